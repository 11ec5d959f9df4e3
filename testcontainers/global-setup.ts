/**
 * Vitest globalSetup: starts the broker that shares test servers across all test files
 * and workers of a run, and stops every server it started when the run ends. A run whose
 * tests never call `useServer` starts no server.
 */
import type { TestProject } from 'vitest/node';
import { startBroker } from './broker.ts';
import { BROKER_ENV } from './use-server.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const broker = await startBroker();
  project.provide('lifeboatBroker', broker.url);
  process.env[BROKER_ENV] = broker.url;
  return () => broker.stop();
}
