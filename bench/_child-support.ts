/**
 * What the benchmark child processes share: the workload they read from the parent's
 * environment (credentials never on argv), a progress sink that discards, and the one
 * JSON result line with wall time and the process's own peak RSS.
 */
import type { EngineKind, Workload } from '../engine/model/index.ts';
import { peakRssKiB } from './_peak-rss.ts';

export interface ServerInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** The server description a parent put in `env[name]` as JSON. */
export function serverFromEnv(name: string): ServerInfo {
  return JSON.parse(process.env[name] ?? '{}') as ServerInfo;
}

export function benchWorkload(
  engine: EngineKind,
  server: ServerInfo,
  url: string,
  databases: string[],
): Workload {
  return {
    name: 'bench',
    engine,
    primary: { host: server.host, port: server.port, role: 'primary', url },
    replicas: [],
    databases,
    credentials: { username: server.user, password: server.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
}

export const silentProgress = { bytes() {}, rows() {}, estimate() {} };

/** Print the child's result line: `out` plus seconds since `t0` and peak RSS in KiB. */
export function printResult(out: Record<string, unknown>, t0: number): void {
  process.stdout.write(
    `${JSON.stringify({ ...out, seconds: (performance.now() - t0) / 1000, maxRssKiB: peakRssKiB() })}\n`,
  );
}

/** BENCH_MEM_TRACE=1: `process.memoryUsage()` every 0.5 s on stderr (where the RSS goes). */
export function traceMemory(t0: number): void {
  if (!process.env.BENCH_MEM_TRACE) return;
  const MiB = 1024 * 1024;
  const mib = (bytes: number) => (bytes / MiB).toFixed(0);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(
      `mem t=${((performance.now() - t0) / 1000).toFixed(1)} rss=${mib(m.rss)} heapUsed=${mib(m.heapUsed)} heapTotal=${mib(m.heapTotal)} external=${mib(m.external)} arrayBuffers=${mib(m.arrayBuffers)}\n`,
    );
  }, 500).unref();
}
