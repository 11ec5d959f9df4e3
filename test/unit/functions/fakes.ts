/**
 * Hand-written recording fakes of the adapter contracts, for pure orchestration tests.
 * They never pretend to talk to a database: they record what the engine asked for.
 */
import { Readable } from 'node:stream';
import type {
  ArtifactSink,
  ArtifactSource,
  DatabaseAdapter,
  Fence,
  PinnedSnapshot,
  ProbeResult,
  Strategy,
} from '../../../adapters/types.ts';
import type { Application, EngineKind, Workload } from '../../../engine/model/index.ts';

export interface Call {
  readonly method: string;
  readonly workload: string;
  readonly detail?: unknown;
}

export interface FakeAdapterOptions {
  strategies?: readonly Strategy[];
  fence?: boolean;
  probe?: Partial<ProbeResult>;
  /** Called inside dump; throw to simulate failures, await to simulate slowness. */
  onDump?: (workload: Workload, signal: AbortSignal) => Promise<void> | void;
  onFreeze?: () => Promise<void> | void;
}

/** A DatabaseAdapter that records every call into `calls` (shared across fakes if given). */
export function fakeAdapter(engine: EngineKind, options: FakeAdapterOptions = {}, calls: Call[] = []) {
  const adapter = {
    engine,
    capabilities: {
      strategies: options.strategies ?? ['logical', 'replica', 'freeze-snapshot'],
      fence: options.fence ?? true,
      pinSnapshot: true,
    },
    calls,
    probe(workload: Workload) {
      calls.push({ method: 'probe', workload: workload.name });
      return Promise.resolve({
        version: '16.4',
        role: 'primary' as const,
        replicas: [],
        databases: ['orders'],
        privileges: ['superuser'],
        limitations: [],
        ...options.probe,
      });
    },
    async dump(
      workload: Workload,
      sink: ArtifactSink,
      capture: {
        strategy: Strategy;
        parallelism: number;
        signal: AbortSignal;
        progress: { bytes(n: number): void; rows(n: number): void; estimate(t: { bytes?: number }): void };
        snapshot?: PinnedSnapshot;
      },
    ) {
      calls.push({
        method: 'dump',
        workload: workload.name,
        detail: {
          strategy: capture.strategy,
          parallelism: capture.parallelism,
          snapshot: capture.snapshot?.token,
        },
      });
      await options.onDump?.(workload, capture.signal);
      capture.progress.estimate({ bytes: 10 });
      await sink.put('data.bin', Readable.from([Buffer.from('0123456789')]));
      capture.progress.bytes(10);
      capture.progress.rows(2);
      return {
        markers: [{ kind: 'lsn', value: '0/16B3748' }],
        fingerprint: { [`${workload.name}.public.items`]: { rows: 2, hash: 'ab' } },
        details: { format: 'fake' },
      };
    },
    load(
      target: Workload,
      _source: ArtifactSource,
      restore: { rename: Readonly<Record<string, string>>; force: boolean },
    ) {
      calls.push({
        method: 'load',
        workload: target.name,
        detail: { rename: restore.rename, force: restore.force },
      });
      return Promise.resolve();
    },
    async freeze(workload: Workload, freeze: { deadlineMs: number }): Promise<Fence> {
      calls.push({ method: 'freeze', workload: workload.name, detail: { deadlineMs: freeze.deadlineMs } });
      await options.onFreeze?.();
      return {
        acquiredAt: Date.now(),
        release: () => {
          calls.push({ method: 'thaw', workload: workload.name });
          return Promise.resolve();
        },
      };
    },
    pinSnapshot(workload: Workload): Promise<PinnedSnapshot> {
      calls.push({ method: 'pinSnapshot', workload: workload.name });
      return Promise.resolve({
        markers: [{ kind: 'lsn', value: '0/1' }],
        token: 'snap-1',
        release: () => {
          calls.push({ method: 'releaseSnapshot', workload: workload.name });
          return Promise.resolve();
        },
      });
    },
    fingerprint(workload: Workload) {
      calls.push({ method: 'fingerprint', workload: workload.name });
      return Promise.resolve({ [`${workload.name}.public.items`]: { rows: 2, hash: 'ab' } });
    },
  } satisfies DatabaseAdapter & { calls: Call[] };
  return adapter;
}

/** One fake per engine, sharing one call log. */
export function fakeAdapters(calls: Call[] = []): DatabaseAdapter[] {
  return (['postgres', 'mysql', 'mongodb', 'cassandra'] as const).map((engine) =>
    fakeAdapter(engine, engine === 'cassandra' ? { fence: false, strategies: ['logical'] } : {}, calls),
  );
}

/** An ArtifactSink that keeps what it is given in memory (tests store a few bytes). */
export function recordingSink() {
  const artifacts = new Map<string, Buffer>();
  const sink: ArtifactSink & { artifacts: Map<string, Buffer> } = {
    artifacts,
    async put(name, data) {
      const chunks: Buffer[] = [];
      for await (const chunk of data) chunks.push(Buffer.from(chunk as Uint8Array));
      const all = Buffer.concat(chunks);
      artifacts.set(name, all);
      return { bytes: all.length };
    },
  };
  return sink;
}

/** An ArtifactSource over in-memory artifacts. */
export function memorySource(artifacts: ReadonlyMap<string, Buffer>): ArtifactSource {
  return {
    list: () => Promise.resolve([...artifacts.keys()]),
    open: (name) => Readable.from([artifacts.get(name) ?? Buffer.alloc(0)]),
    meta: () => Promise.resolve({}),
  };
}

/** Fixture builder for workloads. */
export function aWorkload(name: string, engine: EngineKind = 'postgres') {
  let workload: Workload = {
    name,
    engine,
    primary: { host: `${name}-0`, port: 5432, role: 'primary', url: `postgres://app@${name}-0:5432/${name}` },
    replicas: [],
    databases: [name],
    credentials: { username: 'app', password: 'hunter2-secret' },
    annotations: {},
    pvcs: [`data-${name}-0`],
    source: 'url',
  };
  const builder = {
    withReplica(host = `${name}-1`) {
      workload = {
        ...workload,
        replicas: [
          ...workload.replicas,
          { host, port: 5432, role: 'replica', url: `postgres://app@${host}:5432/${name}` },
        ],
      };
      return builder;
    },
    withAnnotation(key: string, value: string) {
      workload = { ...workload, annotations: { ...workload.annotations, [key]: value } };
      return builder;
    },
    build: (): Workload => workload,
  };
  return builder;
}

export function anApplication(name: string, workloads: readonly Workload[]): Application {
  return { name, workloads };
}
