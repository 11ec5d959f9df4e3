/**
 * Repository mode (`lifeboat dashboard --repo URL`): everything comes from one repository,
 * no cluster involved. Manifests are immutable, so each is read (and decrypted) once;
 * drill reports, locks, chunk indexes and pack sizes are read again on every scan.
 */
import { readLocks, isLive } from '../repository/locks.ts';
import { readAllIndexes } from '../repository/pack-index.ts';
import { PACK_PREFIX, packIdOfKey } from '../repository/pack.ts';
import type { Manifest, Repository } from '../repository/index.ts';
import type {
  ApplicationDetail,
  ApplicationSummary,
  BlueprintView,
  RepositoryView,
  RunningAction,
} from './api-types.ts';
import { builtinBlueprintViews } from './blueprint-views.ts';
import { DashboardHttpError } from './http-error.ts';
import { applicationDetails, newStoredBytes, summaryOf, type StoredBackup } from './repository-views.ts';
import type { DashboardSource } from './source.ts';

const BACKUP_LOCK = /^locks\/backup-(.+)\.json$/;

export interface RepositorySourceOptions {
  /** Clock, for the actual RPO. @default () => new Date() */
  readonly now?: () => Date;
  /** Folder of blueprints to lint and show. @default the built-in blueprints */
  readonly blueprintsDir?: string;
  /** How long one scan of the repository answers requests (several views load at once). @default 5000 */
  readonly cacheMs?: number;
  /** Objects read at once while scanning. @default 16 */
  readonly concurrency?: number;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface Snapshot {
  readonly backups: StoredBackup[];
  /** The packs each backup's index names. */
  readonly packsOf: Map<string, Set<string>>;
  /** Stored size of every pack. */
  readonly packSizes: Map<string, number>;
}

export class RepositorySource implements DashboardSource {
  readonly mode = 'repository' as const;
  readonly needsToken = false;
  readonly #repo: Repository;
  readonly #options: RepositorySourceOptions;
  readonly #manifests = new Map<string, Manifest>();
  #scan: { readonly at: number; readonly result: Promise<Snapshot> } | undefined;

  constructor(repo: Repository, options: RepositorySourceOptions = {}) {
    this.#repo = repo;
    this.#options = options;
  }

  get location(): string {
    return this.#repo.location;
  }

  /** One scan serves every request within `cacheMs`; a failed scan is not kept. */
  #snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (this.#scan && now - this.#scan.at < (this.#options.cacheMs ?? 5000)) return this.#scan.result;
    const result = this.#read();
    this.#scan = { at: now, result };
    result.catch(() => {
      if (this.#scan?.result === result) this.#scan = undefined;
    });
    return result;
  }

  async #read(): Promise<Snapshot> {
    const ids = await this.#repo.listIds();
    const backups = await mapLimit(
      ids,
      this.#options.concurrency ?? 16,
      async (id): Promise<StoredBackup> => {
        let manifest = this.#manifests.get(id);
        if (!manifest) {
          manifest = await this.#repo.readManifest(id);
          this.#manifests.set(id, manifest);
        }
        return { manifest, drills: await this.#repo.readReports(id, 'drill') };
      },
    );
    const packsOf = new Map<string, Set<string>>();
    for (const [backupId, index] of (
      await readAllIndexes(this.#repo.ctx, { cache: this.#repo.ctx.indexCache })
    ).indexes)
      packsOf.set(backupId, new Set(Array.from(index.values(), (at) => at.pack)));
    const packSizes = new Map<string, number>();
    for await (const info of this.#repo.ctx.store.list(PACK_PREFIX)) {
      const pack = packIdOfKey(info.key);
      if (pack !== undefined) packSizes.set(pack, info.size);
    }
    return { backups, packsOf, packSizes };
  }

  async #details(): Promise<ApplicationDetail[]> {
    const { backups, packsOf, packSizes } = await this.#snapshot();
    const stored = newStoredBytes(
      backups.map((b) => b.manifest),
      packsOf,
      packSizes,
    );
    return applicationDetails(backups, this.location, stored, (this.#options.now ?? (() => new Date()))());
  }

  async applications(): Promise<ApplicationSummary[]> {
    return (await this.#details()).map(summaryOf);
  }

  async application(_caller: unknown, namespace: string | null, name: string): Promise<ApplicationDetail> {
    const found = (await this.#details()).find((a) => a.name === name && a.namespace === namespace);
    if (!found) throw new DashboardHttpError(404, `no backups of application "${name}" in ${this.location}`);
    return found;
  }

  /** Backups in progress: their live locks (a repository records no progress). */
  async runningActions(): Promise<RunningAction[]> {
    const now = new Date();
    return (await readLocks(this.#repo.ctx.store))
      .filter(({ key, lock }) => lock.kind === 'backup' && BACKUP_LOCK.test(key) && isLive(lock, now))
      .map(({ lock }) => ({
        kind: 'Backup' as const,
        namespace: null,
        name: lock.id,
        application: null,
        phase: 'Running' as const,
        startedAt: lock.startedAt,
        progress: null,
        message: `on ${lock.host} (pid ${lock.pid})`,
      }));
  }

  async repositories(): Promise<RepositoryView[]> {
    const { backups, packSizes } = await this.#snapshot();
    const storedBytes = [...packSizes.values()].reduce((n, size) => n + size, 0);
    let logical = 0;
    const unique = new Map<string, number>();
    for (const { manifest } of backups)
      for (const artifact of manifest.artifacts) {
        logical += artifact.bytes;
        for (const [id, size] of artifact.chunks) unique.set(id, size);
      }
    const uniquePlain = [...unique.values()].reduce((n, s) => n + s, 0);
    const lock = this.#repo.ctx.config.lock;
    return [
      {
        namespace: null,
        name: this.#repo.ctx.config.id,
        url: this.location,
        backups: backups.length,
        logicalBytes: logical,
        storedBytes,
        dedupRatio: uniquePlain > 0 ? logical / uniquePlain : null,
        encrypted: this.#repo.encrypted,
        immutability: lock ? { mode: lock.mode.toLowerCase(), days: lock.days } : null,
      },
    ];
  }

  blueprints(): Promise<BlueprintView[]> {
    return builtinBlueprintViews(this.#options.blueprintsDir);
  }
}
