export * from './workload.ts';
export * from './from-url.ts';
