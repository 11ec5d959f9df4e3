/**
 * The backup repository. Layout in the object store:
 *   config                      RepositoryConfig (plain JSON, no secrets)
 *   packs/<2 hex>/<pack id>     packs of sealed chunks (content-addressed, deduplicated)
 *   index/<backup id>           sealed chunk index of a backup: where its chunks lie
 *   manifests/<backup id>       sealed manifests: a backup exists iff its manifest does
 *   locks/…                     backup / prune locks with expiry
 *   reports/<backup id>/<kind>-<time>  sealed small JSON reports about a backup (e.g. drills)
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactSource } from '../../adapters/types.ts';
import { RepositoryError } from '../errors.ts';
import { artifactStream, readChunk } from './artifact-reader.ts';
import { BackupWriter, type BackupMeta } from './backup-writer.ts';
import { chunkIdFunction } from './chunk-id.ts';
import {
  DEFAULT_CHUNKER_PARAMS,
  gearTable,
  PLAIN_GEAR_TABLE,
  validateChunkerParams,
  type ChunkerParams,
} from './chunker.ts';
import { seal, SealError, unseal } from './codec.ts';
import { CONFIG_KEY, REPOSITORY_VERSION, RepositoryConfigSchema, type RepositoryConfig } from './config.ts';
import { MANIFEST_PREFIX, manifestContext, manifestKey, type RepositoryContext } from './context.ts';
import { deriveKeys, keyMatches, newSalt } from './keys.ts';
import { isLive, readLocks } from './locks.ts';
import { isBackupId, parseManifest, type Manifest, type ManifestArtifact } from './manifest.ts';
import { NotFoundError, type LockMode, type ObjectStore } from './object-store.ts';
import { defaultSealThreads } from './seal-pool.ts';
import { prune, type PruneOptions, type PruneReport } from './prune.ts';
import { repairIndexes, type RepairReport } from './repair-index.ts';
import { DEFAULT_PACK_BYTES } from './pack.ts';
import { IndexView } from './index-view.ts';
import { defaultCacheDir, IndexCache } from './index-cache.ts';
import { describeStoreError } from './store-errors.ts';

export interface InitOptions {
  /** Key secret; without one the repository is unencrypted (init warns). */
  readonly key?: Uint8Array;
  /** @default 512 KiB / 1 MiB / 4 MiB */
  readonly chunker?: ChunkerParams;
  /** zstd level, 0 = none. @default 1 */
  readonly compressionLevel?: number;
  /** Object Lock every object for `days` in `mode` (the store must support it). */
  readonly lock?: { readonly mode: LockMode; readonly days: number };
}

export interface OpenOptions {
  /** Key secret; required for an encrypted repository. */
  readonly key?: Uint8Array;
  /** Lock lifetime; refreshed every third of it. @default 10 minutes */
  readonly lockTtlMs?: number;
  /** Chunks in flight per backup. @default 8 */
  readonly uploadConcurrency?: number;
  /** Worker threads hashing and sealing chunks (compression, encryption). @default one per core, ≤ 8 */
  readonly sealThreads?: number;
  /** Size new packs are written at. @default 8 MiB */
  readonly packBytes?: number;
  /**
   * Where index objects of a remote store are cached (index-cache.ts); false: nowhere.
   * @default `defaultCacheDir()` (env LIFEBOAT_CACHE_DIR, XDG_CACHE_HOME, ~/.cache)
   */
  readonly cacheDir?: string | false;
}

/** The index cache of a store whose reads are costly; none for a local directory. */
function indexCacheFor(
  store: ObjectStore,
  config: RepositoryConfig,
  cacheDir: string | false | undefined,
): IndexCache | undefined {
  // the id names a directory: anything path-like (a crafted config) gets no cache
  if (!store.getIfChanged || cacheDir === false || !/^[0-9A-Za-z_-]{1,100}$/.test(config.id))
    return undefined;
  const root = cacheDir ?? defaultCacheDir();
  return root === undefined ? undefined : new IndexCache(root, config.id);
}

export interface BackupSummary {
  readonly backupId: string;
  readonly app: string;
  /** Source cluster identity, when recorded. */
  readonly cluster?: string;
  /** Kubernetes namespace of the application, when recorded. */
  readonly namespace?: string;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly retainUntil?: string;
  readonly members: readonly string[];
  readonly artifacts: number;
  readonly bytes: number;
}

export interface VerifyReport {
  readonly backups: number;
  readonly chunks: number;
  readonly bytes: number;
  /** Every problem found (verification continues past the first). */
  readonly errors: readonly RepositoryError[];
}

/** A small JSON report stored next to a backup (e.g. the result of a restore drill). */
export interface StoredReport {
  readonly kind: string;
  /** When it was stored (ISO 8601). */
  readonly storedAt: string;
  readonly report: unknown;
}

const REPORT_PREFIX = 'reports/';
const REPORT_KIND = /^[a-z][a-z0-9-]{0,31}$/;

function reportContext(key: string): string {
  return `report:${key}`;
}

export class Repository {
  readonly ctx: RepositoryContext;

  private constructor(ctx: RepositoryContext) {
    this.ctx = ctx;
  }

  get location(): string {
    return this.ctx.store.location;
  }

  get encrypted(): boolean {
    return this.ctx.dataKey !== undefined;
  }

  /**
   * Create a repository: writes `config`. Refuses an existing repository. Returns
   * warnings the caller must show prominently (e.g. no encryption key).
   */
  static async init(
    store: ObjectStore,
    options: InitOptions = {},
  ): Promise<{ config: RepositoryConfig; warnings: string[] }> {
    const chunker = options.chunker ?? DEFAULT_CHUNKER_PARAMS;
    validateChunkerParams(chunker);
    if (options.lock && !store.supportsLock) {
      throw new RepositoryError(
        `repository ${store.location}: object lock requested but this backend cannot enforce it`,
      );
    }
    try {
      if (await store.head(CONFIG_KEY))
        throw new RepositoryError(`repository ${store.location} is already initialised`);
    } catch (error) {
      throw describeStoreError(error, store.location, 'cannot read config');
    }
    const warnings: string[] = [];
    let encryption: RepositoryConfig['encryption'] = null;
    if (options.key) {
      const salt = newSalt();
      encryption = {
        cipher: 'aes-256-gcm',
        kdf: 'scrypt+hkdf-sha256',
        salt,
        keyCheck: deriveKeys(options.key, salt).check,
      };
    } else {
      warnings.push(
        'NO ENCRYPTION KEY: this repository stores backups UNENCRYPTED. Anyone who can read the storage can read your data. Re-create it with --key-file or LIFEBOAT_REPO_KEY.',
      );
    }
    if (!options.lock && store.supportsLock)
      warnings.push('object lock is off: backups can be deleted by anyone with write access to the storage');
    const config: RepositoryConfig = {
      version: REPOSITORY_VERSION,
      id: randomBytes(8).toString('hex'),
      createdAt: new Date().toISOString(),
      chunker: { ...chunker },
      compression: { algorithm: 'zstd', level: options.compressionLevel ?? 1 },
      encryption,
      lock: options.lock ? { ...options.lock } : null,
    };
    try {
      await store.put(CONFIG_KEY, [Buffer.from(JSON.stringify(config, null, 2))], { ifNoneMatch: true });
    } catch (error) {
      throw describeStoreError(error, store.location, 'cannot write config');
    }
    return { config, warnings };
  }

  /** Open an existing repository; a wrong or missing key is a clear RepositoryError. */
  static async open(store: ObjectStore, options: OpenOptions = {}): Promise<Repository> {
    let raw: Buffer;
    try {
      raw = await store.get(CONFIG_KEY);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new RepositoryError(
          `repository ${store.location} is not initialised (run: lifeboat repo init --repo …)`,
          {},
          { cause: error },
        );
      }
      throw describeStoreError(error, store.location, 'cannot read config');
    }
    let config: RepositoryConfig;
    try {
      const json = JSON.parse(raw.toString('utf8')) as { version?: unknown };
      if (json.version === 1) {
        throw new RepositoryError(
          `repository ${store.location} has format 1 (one object per chunk), written by a development version before packs; this version reads format ${REPOSITORY_VERSION} only: initialise a new repository`,
        );
      }
      config = RepositoryConfigSchema.parse(json);
    } catch (error) {
      if (error instanceof RepositoryError) throw error;
      throw new RepositoryError(
        `repository ${store.location}: config is unreadable or of an unknown version`,
        {},
        { cause: error },
      );
    }
    let dataKey: Buffer | undefined;
    let idKey: Buffer | undefined;
    let gear = PLAIN_GEAR_TABLE;
    if (config.encryption) {
      if (!options.key) {
        throw new RepositoryError(
          `repository ${store.location} is encrypted: give its key with --key-file PATH or LIFEBOAT_REPO_KEY`,
        );
      }
      const keys = deriveKeys(options.key, config.encryption.salt);
      if (!keyMatches(keys, config.encryption.keyCheck)) {
        throw new RepositoryError(`repository ${store.location}: wrong repository key`);
      }
      dataKey = keys.data;
      idKey = keys.id;
      gear = gearTable(keys.gear);
    } else if (options.key) {
      throw new RepositoryError(
        `repository ${store.location} is not encrypted, but a key was given (unset LIFEBOAT_REPO_KEY / --key-file)`,
      );
    }
    return new Repository({
      store,
      config,
      dataKey,
      idKey,
      chunkId: chunkIdFunction(idKey),
      gear,
      lockTtlMs: options.lockTtlMs ?? 10 * 60_000,
      uploadConcurrency: options.uploadConcurrency ?? 8,
      sealThreads: options.sealThreads ?? defaultSealThreads(),
      packBytes: options.packBytes ?? DEFAULT_PACK_BYTES,
      indexCache: indexCacheFor(store, config, options.cacheDir),
    });
  }

  /** Open a backup for writing; nothing is visible until its `commit`. */
  startBackup(meta: BackupMeta): Promise<BackupWriter> {
    if (meta.backupId !== undefined && !isBackupId(meta.backupId))
      throw new RepositoryError(`invalid backup id "${meta.backupId}"`);
    return BackupWriter.start(this.ctx, meta);
  }

  /** Ids of committed backups (manifests), sorted (ids sort by time to the second). */
  async listIds(): Promise<string[]> {
    const ids: string[] = [];
    try {
      for await (const info of this.ctx.store.list(MANIFEST_PREFIX)) {
        const id = info.key.slice(MANIFEST_PREFIX.length);
        if (isBackupId(id)) ids.push(id);
      }
    } catch (error) {
      throw describeStoreError(error, this.location, 'cannot list backups');
    }
    return ids.sort();
  }

  /** Ids of backups being written now (a live backup lock), sorted. */
  async inProgressBackupIds(now = new Date()): Promise<string[]> {
    try {
      return (await readLocks(this.ctx.store))
        .filter(({ lock }) => lock.kind === 'backup' && isLive(lock, now))
        .map(({ lock }) => lock.id)
        .sort();
    } catch (error) {
      throw describeStoreError(error, this.location, 'cannot read backup locks');
    }
  }

  /** Repository id (from its config), e.g. to label what backups leave outside it. */
  get id(): string {
    return this.ctx.config.id;
  }

  /** Committed backups, oldest first, optionally of one application. */
  async list(app?: string): Promise<BackupSummary[]> {
    const out: BackupSummary[] = [];
    for (const id of await this.listIds()) {
      const m = await this.readManifest(id);
      if (app !== undefined && m.app !== app) continue;
      out.push({
        backupId: m.backupId,
        app: m.app,
        ...(m.cluster !== undefined && { cluster: m.cluster }),
        ...(m.namespace !== undefined && { namespace: m.namespace }),
        startedAt: m.startedAt,
        completedAt: m.completedAt,
        ...(m.retainUntil ? { retainUntil: m.retainUntil } : {}),
        members: m.members.map((x) => x.name),
        artifacts: m.artifacts.length,
        bytes: m.artifacts.reduce((n, a) => n + a.bytes, 0),
      });
    }
    // Ids sort by second only (then a random suffix): order by the start instant.
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.backupId.localeCompare(b.backupId));
  }

  /** The verified manifest of a committed backup. */
  async readManifest(backupId: string): Promise<Manifest> {
    if (!isBackupId(backupId)) throw new RepositoryError(`invalid backup id "${backupId}"`, { backupId });
    let object: Buffer;
    try {
      object = await this.ctx.store.get(manifestKey(backupId));
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new RepositoryError(`backup ${backupId} does not exist`, { backupId }, { cause: error });
      throw describeStoreError(error, this.location, `cannot read backup ${backupId}`);
    }
    try {
      const plain = await unseal(object, { key: this.ctx.dataKey, context: manifestContext(backupId) });
      const manifest = parseManifest(plain.toString('utf8'));
      if (manifest.backupId !== backupId) throw new SealError(`manifest names backup ${manifest.backupId}`);
      return manifest;
    } catch (error) {
      const reason = error instanceof SealError ? error.message : 'invalid manifest';
      throw new RepositoryError(`backup ${backupId}: manifest ${reason}`, { backupId }, { cause: error });
    }
  }

  /**
   * Store a small JSON report about a committed backup, sealed like manifests (bound to
   * its key, so it cannot be moved to another backup). Reports never affect restores;
   * several of one kind accumulate, newest last in `readReports`.
   */
  async putReport(backupId: string, kind: string, report: unknown): Promise<StoredReport> {
    if (!REPORT_KIND.test(kind)) throw new RepositoryError(`invalid report kind "${kind}"`);
    await this.readManifest(backupId);
    const storedAt = new Date().toISOString();
    const key = `${REPORT_PREFIX}${backupId}/${kind}-${storedAt.replace(/[:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    const stored: StoredReport = { kind, storedAt, report };
    const sealed = await seal(Buffer.from(JSON.stringify(stored), 'utf8'), {
      key: this.ctx.dataKey,
      level: 3,
      context: reportContext(key),
    });
    try {
      await this.ctx.store.put(key, sealed.parts, { ifNoneMatch: true });
    } catch (error) {
      throw describeStoreError(error, this.location, `cannot store a ${kind} report of backup ${backupId}`);
    }
    return stored;
  }

  /** Reports stored for a backup, oldest first, optionally of one kind. */
  async readReports(backupId: string, kind?: string): Promise<StoredReport[]> {
    if (!isBackupId(backupId)) throw new RepositoryError(`invalid backup id "${backupId}"`, { backupId });
    const prefix = `${REPORT_PREFIX}${backupId}/${kind === undefined ? '' : `${kind}-`}`;
    const keys: string[] = [];
    try {
      for await (const info of this.ctx.store.list(prefix)) keys.push(info.key);
    } catch (error) {
      throw describeStoreError(error, this.location, `cannot list reports of backup ${backupId}`);
    }
    const out: StoredReport[] = [];
    for (const key of keys) {
      try {
        const object = await this.ctx.store.get(key);
        const plain = await unseal(object, { key: this.ctx.dataKey, context: reportContext(key) });
        out.push(JSON.parse(plain.toString('utf8')) as StoredReport);
      } catch (error) {
        throw new RepositoryError(
          `backup ${backupId}: report ${key} cannot be read`,
          { backupId },
          { cause: error },
        );
      }
    }
    return out.sort((a, b) => a.storedAt.localeCompare(b.storedAt));
  }

  /** Find an artifact of a backup; throws naming what is missing. */
  static findArtifact(manifest: Manifest, member: string, name: string): ManifestArtifact {
    const artifact = manifest.artifacts.find((a) => a.member === member && a.name === name);
    if (!artifact) {
      throw new RepositoryError(`backup ${manifest.backupId} has no artifact ${member}/${name}`, {
        backupId: manifest.backupId,
        artifact: `${member}/${name}`,
      });
    }
    return artifact;
  }

  /** An artifact's bytes; every chunk is verified before it is emitted. */
  async openArtifact(backupId: string, member: string, name: string): Promise<Readable> {
    const manifest = await this.readManifest(backupId);
    const artifact = Repository.findArtifact(manifest, member, name);
    return artifactStream(this.ctx, backupId, artifact, await IndexView.read(this.ctx, backupId));
  }

  /** What an adapter's `load` reads from: the artifacts of one member. */
  async source(backupId: string, member: string): Promise<ArtifactSource> {
    const manifest = await this.readManifest(backupId);
    const artifacts = manifest.artifacts.filter((a) => a.member === member);
    if (artifacts.length === 0 && !manifest.members.some((m) => m.name === member)) {
      throw new RepositoryError(`backup ${backupId} has no member ${member}`, { backupId });
    }
    const index = await IndexView.read(this.ctx, backupId);
    return {
      list: () => Promise.resolve(artifacts.map((a) => a.name)),
      open: (name) =>
        artifactStream(this.ctx, backupId, Repository.findArtifact(manifest, member, name), index),
      meta: (name) => Promise.resolve(Repository.findArtifact(manifest, member, name).meta),
    };
  }

  /**
   * Re-read and check every chunk of one backup (or of all when `backupId` is undefined). A chunk shared by
   * several backups is read once. Collects every error instead of stopping.
   */
  async verify(
    backupId?: string,
    options: {
      concurrency?: number;
      /** Called with each chunk's size once it is checked (progress). */
      onChunk?: (bytes: number) => void;
    } = {},
  ): Promise<VerifyReport> {
    const ids = backupId === undefined ? await this.listIds() : [backupId];
    const errors: RepositoryError[] = [];
    const checked = new Set<string>();
    let chunks = 0;
    let bytes = 0;
    const limit = options.concurrency ?? 4;
    for (const current of ids) {
      let manifest: Manifest;
      let index: IndexView;
      try {
        manifest = await this.readManifest(current);
        index = await IndexView.read(this.ctx, current);
      } catch (error) {
        errors.push(
          error instanceof RepositoryError
            ? error
            : new RepositoryError(String(error), { backupId: current }),
        );
        continue;
      }
      for (const artifact of manifest.artifacts) {
        const where = { backupId: current, artifact: `${artifact.member}/${artifact.name}` };
        const pending = new Set<Promise<void>>();
        for (const [id, size] of artifact.chunks) {
          // a chunk shared by several backups is checked once where each index puts it
          const at = index.get(id);
          const seenAt = at ? `${id}@${at.pack}:${at.offset}` : id;
          if (checked.has(seenAt)) continue;
          checked.add(seenAt);
          const p = readChunk(this.ctx, where, id, size, index)
            .then(() => {
              chunks++;
              bytes += size;
              options.onChunk?.(size);
            })
            .catch((error: unknown) => {
              errors.push(
                error instanceof RepositoryError
                  ? error
                  : new RepositoryError(String(error), { ...where, chunk: id }),
              );
            })
            .finally(() => pending.delete(p));
          pending.add(p);
          if (pending.size >= limit) await Promise.race(pending);
        }
        await Promise.all(pending);
      }
    }
    return { backups: ids.length, chunks, bytes, errors };
  }

  /** Rebuild missing or untrustworthy chunk indexes from the packs' headers (repair-index.ts). */
  repairIndexes(options: { readonly dryRun?: boolean } = {}): Promise<RepairReport> {
    return repairIndexes(this, options);
  }

  /** Apply a retention policy and collect garbage; see prune.ts for the safety rules. */
  prune(options: PruneOptions): Promise<PruneReport> {
    return prune(this, options);
  }
}
