/**
 * The one narrow interface every database adapter implements. The planner decides
 * (from `capabilities` and `probe`), the adapter executes. Adapters stream: no dump is
 * ever held whole in memory.
 */
import type { Readable } from 'node:stream';
import type { EngineKind, Fingerprint, Marker, Workload } from '../engine/model/index.ts';

/**
 * `snapshot`: a node-local storage snapshot taken without a write fence (Cassandra's
 * `nodetool snapshot`), streamed file by file; the others are described in DESIGN.md.
 */
export const STRATEGIES = ['logical', 'replica', 'replica-snapshot', 'freeze-snapshot', 'snapshot'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** What an adapter can do at all; `probe` says what one server allows. */
export interface AdapterCapabilities {
  readonly strategies: readonly Strategy[];
  /** Can block writes server-wide (FTWRL, table locks, fsyncLock). */
  readonly fence: boolean;
  /** Can pin a snapshot that several streams (and a later dump) read from. */
  readonly pinSnapshot: boolean;
}

export interface ProbeResult {
  readonly version: string;
  readonly role: 'primary' | 'replica' | 'standalone';
  /** Replication lag of this server in seconds, when it is a replica. */
  readonly lagSeconds?: number;
  readonly replicas: readonly {
    readonly host: string;
    readonly port: number;
    readonly lagSeconds?: number;
  }[];
  readonly databases: readonly string[];
  /** Privileges that matter for the capture, e.g. `superuser`, `replication`, `reload`. */
  readonly privileges: readonly string[];
  /** Features this server lacks that the adapter would otherwise use, with why. */
  readonly limitations: readonly string[];
  /**
   * Where this server allows less than the adapter's `capabilities` (e.g. FerretDB speaks
   * the MongoDB protocol but has no fsyncLock): `false` withdraws a capability for it.
   */
  readonly allows?: { readonly fence?: boolean; readonly pinSnapshot?: boolean };
}

/** Where an adapter writes artifacts: the repository's open backup implements it. */
export interface ArtifactSink {
  /**
   * Store one artifact from a stream. Resolves once every byte is durably stored.
   * `name` is unique within the member, e.g. `schema.sql`, `data/public.items.copy`.
   */
  put(
    name: string,
    data: Readable | AsyncIterable<Uint8Array>,
    meta?: Readonly<Record<string, string>>,
  ): Promise<{ readonly bytes: number }>;
  /**
   * `true` when `put` is done with each piece of `data` (it copied what it keeps) before it
   * asks for the next one: a producer may then overwrite a piece's memory once the next is
   * requested (in an async generator: after its `yield` returns) instead of allocating a
   * new buffer per piece. Without it, every piece must stay untouched.
   */
  readonly consumesEachPiece?: boolean;
}

/** Where an adapter reads artifacts back from during restore. */
export interface ArtifactSource {
  /** Names of the member's artifacts, in the order they were written. */
  list(): Promise<readonly string[]>;
  open(name: string): Readable;
  meta(name: string): Promise<Readonly<Record<string, string>>>;
}

/** Progress callbacks; adapters report as they stream. */
export interface ProgressSink {
  bytes(n: number): void;
  rows(n: number): void;
  /** Total expected bytes/rows when known, for ETA. */
  estimate(total: { bytes?: number; rows?: number }): void;
}

export interface CaptureOptions {
  readonly strategy: Strategy;
  /** Parallel streams to use (connections, tables in flight). */
  readonly parallelism: number;
  readonly signal: AbortSignal;
  readonly progress: ProgressSink;
  /** Dump from this pinned snapshot (cross-service cut) instead of pinning one. */
  readonly snapshot?: PinnedSnapshot;
}

export interface CaptureResult {
  readonly markers: readonly Marker[];
  readonly fingerprint: Fingerprint;
  /** Adapter-specific facts the restore needs (format version, tool versions). */
  readonly details: Readonly<Record<string, string>>;
}

export interface RestoreOptions {
  /** Map original database names to target names (rename on restore). */
  readonly rename: Readonly<Record<string, string>>;
  /** Overwrite a non-empty target. Without it a non-empty target is refused. */
  readonly force: boolean;
  readonly parallelism: number;
  readonly signal: AbortSignal;
  readonly progress: ProgressSink;
  /**
   * Also recreate the captured accounts and their grants, where the adapter keeps them
   * apart from the databases (MySQL: `users.sql`). PostgreSQL always creates missing roles.
   * @default false
   */
  readonly withUsers?: boolean;
}

/** Restore of a physical capture (a copy of a server's data directory) into a directory. */
export interface DataDirRestoreOptions {
  /** Empty a non-empty directory first. Without it a non-empty directory is refused. */
  readonly force: boolean;
  readonly signal: AbortSignal;
  readonly progress: ProgressSink;
}

export interface DataDirRestoreResult {
  /** The markers recorded at capture. */
  readonly markers: readonly Marker[];
  /** What to do next to run a server on the directory (one line each), for the user. */
  readonly nextSteps: readonly string[];
}

/** A held write fence. `release` is idempotent and must be called (defer). */
export interface Fence {
  readonly acquiredAt: number;
  release(): Promise<void>;
}

/**
 * A physical backup mode held while the workload's volumes are snapshotted (PostgreSQL:
 * `pg_backup_start`/`pg_backup_stop` in one session). `stop` ends it inside the write
 * fence; `store` then writes what a server started from the volumes needs (PostgreSQL:
 * backup_label, tablespace_map and the WAL from start to stop) into the repository.
 */
export interface PhysicalBackupSession {
  /** End the backup mode (idempotent). */
  stop(): Promise<void>;
  /** After `stop`: store the files a restore writes into the restored volume; resolves with markers and details. */
  store(
    sink: ArtifactSink,
    signal: AbortSignal,
  ): Promise<{ readonly markers: readonly Marker[]; readonly details: Readonly<Record<string, string>> }>;
  /** End the backup mode without storing (release path; idempotent, never throws). */
  abort(): Promise<void>;
}

/** A snapshot pinned on the server; dumps can read from it until `release`. */
export interface PinnedSnapshot {
  readonly markers: readonly Marker[];
  /** Opaque to the engine: e.g. the exported snapshot id. */
  readonly token: string;
  release(): Promise<void>;
}

/**
 * What a cross-service cut holds open for one member before the first fence is taken
 * (connections, session settings, server checks), so the fence window contains no
 * connection setup. Used once: `freeze` at most once, then `pinSnapshot` at most once.
 */
export interface CutSession {
  /** Same contract as `DatabaseAdapter.freeze`, on the prepared session. */
  freeze(options: { deadlineMs: number; signal: AbortSignal }): Promise<Fence>;
  /**
   * Same contract as `DatabaseAdapter.pinSnapshot`, on the prepared connections. While
   * this session's own fence holds, the pin relies on it and takes no fence of its own.
   */
  pinSnapshot(signal: AbortSignal): Promise<PinnedSnapshot>;
  /** Close what was prepared but never handed out (idempotent); held fences and snapshots stay. */
  close(): Promise<void>;
}

export interface DatabaseAdapter {
  readonly engine: EngineKind;
  readonly capabilities: AdapterCapabilities;
  probe(workload: Workload, signal: AbortSignal): Promise<ProbeResult>;
  /** Capture the workload's databases into `sink`; fingerprint from the same snapshot. */
  dump(workload: Workload, sink: ArtifactSink, options: CaptureOptions): Promise<CaptureResult>;
  /** Load a capture into `target` (the same or another workload). */
  load(target: Workload, source: ArtifactSource, options: RestoreOptions): Promise<void>;
  /**
   * Optional: unpack a physical capture (`replica-snapshot`) into `dataDir`, ready for a
   * server of the same version to start on it. Starting that server is the caller's job.
   */
  restoreDataDir?(
    source: ArtifactSource,
    dataDir: string,
    options: DataDirRestoreOptions,
  ): Promise<DataDirRestoreResult>;
  /** Block writes with a deadline; throws a retryable AdapterError if it cannot in time. */
  freeze(workload: Workload, options: { deadlineMs: number; signal: AbortSignal }): Promise<Fence>;
  pinSnapshot(workload: Workload, signal: AbortSignal): Promise<PinnedSnapshot>;
  /** Optional: prepare `freeze` and `pinSnapshot` for a cut (see CutSession). */
  prepareCut?(workload: Workload, signal: AbortSignal): Promise<CutSession>;
  /**
   * Optional: enter the physical backup mode the freeze-snapshot strategy holds while
   * volume snapshots are cut (see PhysicalBackupSession), within `deadlineMs`.
   */
  startBackupMode?(
    workload: Workload,
    options: { label: string; deadlineMs: number; signal: AbortSignal },
  ): Promise<PhysicalBackupSession>;
  /**
   * Fingerprint the live databases (drills, verification after restore), or what
   * `snapshot` (from `pinSnapshot`) sees when given.
   */
  fingerprint(
    workload: Workload,
    options: { databases?: readonly string[]; signal: AbortSignal; snapshot?: PinnedSnapshot },
  ): Promise<Fingerprint>;
}
