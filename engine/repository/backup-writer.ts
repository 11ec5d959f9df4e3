/**
 * An open backup: the ArtifactSink adapters write into. The main thread reads each
 * artifact stream and finds chunk boundaries (the serial part); every chunk then
 * moves (transferred, not copied) to a seal worker that computes its id, and, if
 * the chunk is new, compresses and encrypts it there, in parallel with the others;
 * the main thread appends the sealed chunk to a pack (pack-writer.ts) and hands the
 * memory back to the chunker. A bounded number of chunks and bytes is in flight
 * (uploadConcurrency chunks, and a few average chunks per seal thread) and a bounded
 * number of packs: memory stays bounded whatever the stream size. Chunks already in
 * the repository are referenced, not uploaded (and their pack's object-lock retention
 * extended to this backup's). At `commit` the packs are made durable, then the
 * backup's chunk index is written, then its manifest, the commit point: nothing is
 * visible before.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactSink } from '../../adapters/types.ts';
import { RepositoryError } from '../errors.ts';
import { Chunker } from './chunker.ts';
import { InFlightGate } from './in-flight-gate.ts';
import { seal, type Sealed } from './codec.ts';
import { SealPool, type HeldChunk } from './seal-pool.ts';
import { manifestContext, manifestKey, type RepositoryContext } from './context.ts';
import { indexKey, readAllIndexes, sealIndex, type ChunkIndex } from './pack-index.ts';
import { packKey, type ChunkLocation } from './pack.ts';
import { PackWriter } from './pack-writer.ts';
import { HeldLock, isLive, readLocks } from './locks.ts';
import {
  newBackupId,
  serializeManifest,
  type Manifest,
  type ManifestArtifact,
  type ManifestMember,
} from './manifest.ts';
import type { LockMode } from './object-store.ts';
import { describeStoreError } from './store-errors.ts';

export interface BackupMeta {
  readonly app: string;
  /** Member that plain `put` calls write to. @default app */
  readonly member?: string;
  /** Keep (and object-lock) the backup until then. @default now + config.lock.days when the repository locks */
  readonly retainUntil?: Date;
  readonly labels?: Readonly<Record<string, string>>;
  /** Identity of the source cluster, recorded in the manifest. */
  readonly cluster?: string;
  /** Kubernetes namespace of the application, recorded in the manifest. */
  readonly namespace?: string;
  /** Fixed id (tests, resumed runs). @default time + random suffix */
  readonly backupId?: string;
}

export interface CommitDetails {
  readonly members?: readonly Partial<ManifestMember>[];
  readonly blueprint?: unknown;
  readonly tools?: Readonly<Record<string, string>>;
}

export interface BackupStats {
  /** Plaintext bytes written by the adapters. */
  readonly bytesIn: number;
  readonly chunks: number;
  readonly newChunks: number;
  /** Stored (compressed, encrypted) bytes of new chunks. */
  readonly newBytesStored: number;
  /** Plaintext bytes of new chunks. */
  readonly newBytesPlain: number;
  /** Packs written so far. */
  readonly packs: number;
}

export class BackupWriter implements ArtifactSink {
  readonly backupId: string;
  /** `#put` copies each piece into the chunker before it reads the next (see ArtifactSink). */
  readonly consumesEachPiece = true;
  readonly #ctx: RepositoryContext;
  readonly #meta: BackupMeta;
  readonly #startedAt = new Date();
  readonly #retainUntil: Date | undefined;
  readonly #lockMode: LockMode | undefined;
  /** Chunks in the repository when the backup started (every index), and where. */
  readonly #known: ChunkIndex;
  /** Chunk ids this backup has already stored or referenced. */
  readonly #seen = new Set<string>();
  /** Where each chunk this backup references lies: its index, written at commit. */
  readonly #index: ChunkIndex = new Map();
  /** Packs of other backups this one reuses chunks of → their retention extension. */
  readonly #reusedPacks = new Map<string, Promise<void>>();
  readonly #artifacts: ManifestArtifact[] = [];
  readonly #slots: InFlightGate;
  readonly #packs: PackWriter;
  readonly #tasks = new Set<Promise<void>>();
  /** Chunk id → its upload while in flight. */
  readonly #pending = new Map<string, Promise<void>>();
  readonly #lock: HeldLock;
  /** Started with the first artifact, stopped at commit/abort. */
  #pool: SealPool | undefined;
  #failure: unknown;
  #state: 'open' | 'committed' | 'aborted' = 'open';
  #stats = { bytesIn: 0, chunks: 0, newChunks: 0, newBytesStored: 0, newBytesPlain: 0 };

  private constructor(
    ctx: RepositoryContext,
    meta: BackupMeta,
    backupId: string,
    lock: HeldLock,
    known: ChunkIndex,
  ) {
    this.#ctx = ctx;
    this.#meta = meta;
    this.backupId = backupId;
    this.#lock = lock;
    this.#known = known;
    // enough plaintext in flight to keep every seal thread busy (3 average chunks each),
    // and never less than one largest chunk; memory, not a chunk count, is the bound
    const chunker = ctx.config.chunker;
    this.#slots = new InFlightGate(
      ctx.uploadConcurrency,
      Math.max(chunker.max, 3 * chunker.avg * ctx.sealThreads),
    );
    const lockCfg = ctx.config.lock;
    this.#lockMode = lockCfg?.mode;
    this.#retainUntil =
      meta.retainUntil ??
      (lockCfg ? new Date(this.#startedAt.getTime() + lockCfg.days * 86_400_000) : undefined);
    // sealed chunks waiting for the store (an fsync, an S3 PUT) no longer hold their
    // plaintext: the seal threads keep working while a pack is written
    this.#packs = new PackWriter({
      store: ctx.store,
      targetBytes: ctx.packBytes,
      dataKey: ctx.dataKey,
      // the names become durable at commit (syncNames), once per directory
      putOptions: { ...this.#retention(), deferNameSync: true },
    });
  }

  /** Take the backup lock, wait out a running prune, load the chunk index. */
  static async start(ctx: RepositoryContext, meta: BackupMeta): Promise<BackupWriter> {
    const backupId = meta.backupId ?? newBackupId(new Date(), randomBytes(4).toString('hex'));
    const where = ctx.store.location;
    let lock: HeldLock;
    try {
      lock = await HeldLock.acquire(ctx.store, 'backup', backupId, ctx.lockTtlMs);
    } catch (error) {
      throw describeStoreError(error, where, 'cannot write backup lock');
    }
    try {
      await waitForPrune(ctx);
      // an index that cannot be trusted is left out: its chunks are just stored again
      const { indexes } = await readAllIndexes(ctx, { cache: ctx.indexCache });
      const known: ChunkIndex = new Map();
      for (const index of indexes.values()) for (const [id, at] of index) known.set(id, at);
      return new BackupWriter(ctx, meta, backupId, lock, known);
    } catch (error) {
      await lock.release().catch(() => undefined);
      throw describeStoreError(error, where, 'cannot start backup');
    }
  }

  /** Counters so far (final after `commit`). */
  get stats(): BackupStats {
    return { ...this.#stats, packs: this.#packs.written.length };
  }

  /** A sink writing artifacts of one member (database) of the application. */
  member(name: string): ArtifactSink {
    return {
      put: (artifact, data, meta) => this.#put(name, artifact, data, meta),
      consumesEachPiece: this.consumesEachPiece,
    };
  }

  /** Store an artifact of the default member (`meta.member`, else the app). */
  put(
    name: string,
    data: Readable | AsyncIterable<Uint8Array>,
    meta?: Readonly<Record<string, string>>,
  ): Promise<{ readonly bytes: number }> {
    return this.#put(this.#meta.member ?? this.#meta.app, name, data, meta);
  }

  async #put(
    member: string,
    name: string,
    data: Readable | AsyncIterable<Uint8Array>,
    meta: Readonly<Record<string, string>> = {},
  ): Promise<{ readonly bytes: number }> {
    if (this.#state !== 'open')
      throw new RepositoryError(`backup ${this.backupId} is ${this.#state}`, { backupId: this.backupId });
    if (this.#artifacts.some((a) => a.member === member && a.name === name)) {
      throw new RepositoryError(`artifact ${member}/${name} written twice`, {
        backupId: this.backupId,
        artifact: `${member}/${name}`,
      });
    }
    const artifact: ManifestArtifact = { member, name, bytes: 0, chunks: [], meta: { ...meta } };
    this.#artifacts.push(artifact);
    const chunker = new Chunker(this.#ctx.config.chunker, this.#ctx.gear);
    const mine = new Set<Promise<void>>();
    try {
      for await (const piece of data) {
        this.#throwIfFailed(member, name);
        for (const chunk of chunker.push(piece as Uint8Array))
          await this.#chunk(artifact, chunk, mine, chunker);
      }
      for (const chunk of chunker.finish()) await this.#chunk(artifact, chunk, mine, chunker);
      await Promise.all(mine);
      chunker.dispose();
      this.#throwIfFailed(member, name);
    } catch (error) {
      await Promise.allSettled(mine);
      // upload failures arrive as RepositoryErrors (#throwIfFailed); anything else came
      // from the input stream (e.g. the dump process died)
      const failure =
        error instanceof RepositoryError
          ? error
          : new RepositoryError(
              `backup ${this.backupId}: artifact ${member}/${name}: input stream failed: ${error instanceof Error ? error.message : String(error)}`,
              { backupId: this.backupId, artifact: `${member}/${name}` },
              { cause: error },
            );
      this.#failure ??= failure;
      throw failure;
    }
    return { bytes: artifact.bytes };
  }

  #throwIfFailed(member: string, name: string): void {
    if (this.#failure !== undefined) {
      throw describeStoreError(
        this.#failure,
        this.#ctx.store.location,
        `backup ${this.backupId} ${member}/${name}`,
      );
    }
  }

  /**
   * Take one chunk: its place in the manifest is fixed now, its id arrives from the
   * worker. Waits only for a free slot (that is the backpressure on the reader).
   */
  async #chunk(
    artifact: ManifestArtifact,
    chunk: Buffer,
    mine: Set<Promise<void>>,
    chunker: Chunker,
  ): Promise<void> {
    const length = chunk.length;
    const ref: [string, number] = ['', length];
    artifact.chunks.push(ref);
    artifact.bytes += length;
    this.#stats.bytesIn += length;
    this.#stats.chunks++;
    // bounded chunks and bytes in flight: this is what bounds memory
    await this.#slots.acquire(length);
    let held = true;
    const releaseSlot = (): void => {
      if (held) this.#slots.release(length);
      held = false;
    };
    const task = this.#store(ref, chunk, chunker, releaseSlot)
      .catch((error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => {
        releaseSlot();
        this.#tasks.delete(task);
        mine.delete(task);
      });
    this.#tasks.add(task);
    mine.add(task);
  }

  #sealPool(): SealPool {
    this.#pool ??= new SealPool(
      {
        dataKey: this.#ctx.dataKey,
        idKey: this.#ctx.idKey,
        level: this.#ctx.config.compression.level,
      },
      this.#ctx.sealThreads,
    );
    return this.#pool;
  }

  /** Id the chunk, then store it, reference it, or wait for its twin in flight. */
  async #store(
    ref: [string, number],
    chunk: Buffer,
    chunker: Chunker,
    releaseSlot: () => void,
  ): Promise<void> {
    const held = await this.#sealPool().hash(chunk, true);
    const id = held.id;
    ref[0] = id;
    if (this.#seen.has(id)) {
      chunker.recycle(await held.release());
      // stored by another chunk, maybe still in flight: this put resolves only once it
      // is in a pack too
      await this.#pending.get(id);
      return;
    }
    this.#seen.add(id);
    const existing = this.#known.get(id);
    const work =
      existing === undefined
        ? this.#upload(id, held, chunker, releaseSlot)
        : this.#reuse(id, existing, held, chunker);
    this.#pending.set(id, work);
    try {
      await work;
    } finally {
      this.#pending.delete(id);
    }
  }

  /**
   * Seal a new chunk and append it to a pack. Its plaintext memory goes back to the
   * chunker at once (the sealed copy is all the pack needs), its plaintext slot once
   * the chunk is in a pack: until then it is memory in flight.
   */
  async #upload(id: string, held: HeldChunk, chunker: Chunker, releaseSlot?: () => void): Promise<void> {
    const sealed = await held.seal(id);
    let parts: Sealed = sealed;
    if (sealed.parts.some((part) => part.buffer === sealed.memory.buffer)) {
      // stored as is (unencrypted and incompressible): the pack needs its own copy
      parts = { parts: sealed.parts.map((part) => Buffer.from(part)), size: sealed.size };
    }
    chunker.recycle(sealed.memory);
    const dispose =
      parts === sealed
        ? () => {
            sealed.dispose();
          }
        : () => undefined;
    this.#index.set(id, await this.#packs.add(id, parts, dispose));
    releaseSlot?.();
    this.#stats.newChunks++;
    this.#stats.newBytesStored += sealed.size;
    this.#stats.newBytesPlain += held.length;
  }

  /**
   * A chunk another backup stored: reference it where it lies. Its pack must stay
   * locked as long as this backup: extend its retention (once per pack), or store the
   * chunk again if the store refuses.
   */
  async #reuse(id: string, at: ChunkLocation, held: HeldChunk, chunker: Chunker): Promise<void> {
    const until = this.#retainUntil;
    const mode = this.#lockMode;
    let extended = this.#reusedPacks.get(at.pack);
    if (extended === undefined) {
      extended =
        until === undefined || mode === undefined || !this.#ctx.store.supportsLock
          ? Promise.resolve()
          : this.#ctx.store.extendRetention(packKey(at.pack), mode, until);
      extended.catch(() => undefined); // observed below, by each chunk of the pack
      this.#reusedPacks.set(at.pack, extended);
    }
    try {
      await extended;
    } catch {
      await this.#upload(id, held, chunker);
      return;
    }
    this.#index.set(id, at);
    chunker.recycle(await held.release());
  }

  #retention(): { retention?: { mode: LockMode; until: Date } } {
    if (this.#retainUntil === undefined || this.#lockMode === undefined || !this.#ctx.store.supportsLock)
      return {};
    return { retention: { mode: this.#lockMode, until: this.#retainUntil } };
  }

  /**
   * Wait for every upload, then write the manifest: from this moment the backup
   * exists. Throws (and leaves no manifest) if anything failed.
   */
  async commit(details: CommitDetails = {}): Promise<Manifest> {
    if (this.#state !== 'open')
      throw new RepositoryError(`backup ${this.backupId} is ${this.#state}`, { backupId: this.backupId });
    const where = this.#ctx.store.location;
    try {
      await Promise.all(this.#tasks);
      await this.#closePool();
      if (this.#failure !== undefined) throw asError(this.#failure);
      const written = await this.#packs.finish();
      if (!this.#lock.fresh) await this.#recheckReused();
      // this backup's packs, durable before its index names them; packs it reuses are
      // named by another index, written only once they were durable
      await this.#ctx.store.syncNames(written.map(packKey));
      await this.#ctx.store.put(
        indexKey(this.backupId),
        await sealIndex(this.#ctx, this.backupId, this.#index),
        {
          ...this.#retention(),
        },
      );
      const names = new Set(this.#artifacts.map((a) => a.member));
      const given = new Map((details.members ?? []).map((m) => [m.name ?? '', m]));
      for (const name of given.keys()) names.add(name);
      const members: ManifestMember[] = [...names].map((name) => {
        const m = given.get(name) ?? {};
        return { ...m, name, markers: m.markers ?? [], details: m.details ?? {} };
      });
      const manifest: Manifest = {
        version: 1,
        backupId: this.backupId,
        app: this.#meta.app,
        ...(this.#meta.cluster !== undefined && { cluster: this.#meta.cluster }),
        ...(this.#meta.namespace !== undefined && { namespace: this.#meta.namespace }),
        startedAt: this.#startedAt.toISOString(),
        completedAt: new Date().toISOString(),
        ...(this.#retainUntil ? { retainUntil: this.#retainUntil.toISOString() } : {}),
        members,
        artifacts: this.#artifacts,
        ...(details.blueprint !== undefined ? { blueprint: details.blueprint } : {}),
        tools: {
          lifeboat: process.env.npm_package_version ?? 'dev',
          node: process.version,
          ...details.tools,
        },
        labels: { ...this.#meta.labels },
      };
      const sealed = await seal(Buffer.from(serializeManifest(manifest), 'utf8'), {
        key: this.#ctx.dataKey,
        level: 3,
        context: manifestContext(this.backupId),
      });
      await this.#ctx.store.put(manifestKey(this.backupId), sealed.parts, {
        ...this.#retention(),
        ifNoneMatch: true,
      });
      this.#state = 'committed';
      await this.#lock.release().catch(() => undefined);
      return manifest;
    } catch (error) {
      await this.abort();
      if (error instanceof RepositoryError) throw error;
      throw describeStoreError(error, where, `commit of backup ${this.backupId}`);
    }
  }

  /** The lock may have lapsed: make sure no pack with reused chunks was pruned meanwhile. */
  async #recheckReused(): Promise<void> {
    for (const pack of this.#reusedPacks.keys()) {
      if (!(await this.#ctx.store.head(packKey(pack)))) {
        throw new RepositoryError(
          `backup ${this.backupId}: pack ${pack} was removed by a concurrent prune while the backup lock lapsed; run the backup again`,
          { backupId: this.backupId },
          { retryable: true },
        );
      }
    }
  }

  async #closePool(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }

  /** Give up: no manifest is written; packs already written become orphans for prune. */
  async abort(): Promise<void> {
    if (this.#state === 'committed') return;
    this.#state = 'aborted';
    await Promise.allSettled(this.#tasks);
    await this.#packs.abort();
    await this.#closePool();
    await this.#lock.release().catch(() => undefined);
  }
}

/** Block while a live prune holds its lock (it deletes chunks we might reuse). */
async function waitForPrune(ctx: RepositoryContext): Promise<void> {
  for (;;) {
    const now = new Date();
    const live = (await readLocks(ctx.store)).filter((l) => l.lock.kind === 'prune' && isLive(l.lock, now));
    if (live.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
