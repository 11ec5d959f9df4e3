/**
 * Seeds `lifeboat_last_successful_backup_timestamp_seconds` when this instance starts
 * leading (the controller starts runnables once its caches are synced): first from the
 * cached Backup CRs (no API request), then from the manifests this cluster wrote in each
 * Repository of the watched namespaces (so the value survives Backup CRs being deleted).
 * A repository that cannot be opened is logged and skipped: seeding is best effort and
 * never blocks the controller.
 */
import type { KubeObject, ReconcileContext, Runnable } from '../controller/types.ts';
import type { ResourceRef } from '../controller/resources.ts';
import type { MetricsRecorder } from './recorder.ts';
import {
  newestPerApplication,
  seedLastSuccessful,
  successesFromBackups,
  successesFromRepository,
  type BackupResourceLike,
  type RepositoryEntryLike,
  type SuccessRecord,
} from './seed.ts';

export interface SeedOptions {
  readonly backups: ResourceRef;
  /** Leave out to seed from Backup CRs only. */
  readonly repositories?: ResourceRef;
  /** Opens the repository a Repository CR names (with its namespace's Secrets) and lists its backups. */
  readonly listRepository?: (
    repository: KubeObject,
    ctx: ReconcileContext,
  ) => Promise<readonly RepositoryEntryLike[]>;
}

export function lastSuccessSeeder(recorder: MetricsRecorder, options: SeedOptions): Runnable {
  return {
    name: 'metrics-last-success-seed',
    async run(ctx) {
      const records: SuccessRecord[] = successesFromBackups(
        ctx.cache<KubeObject & BackupResourceLike>(options.backups).list(),
      );
      // Cached CRs first: they cost nothing and cover the common case at once.
      seedLastSuccessful(recorder, records);
      if (options.repositories && options.listRepository) {
        // Several namespaces often name the same bucket: list each location once.
        const listed = new Set<string>();
        for (const repository of ctx.cache(options.repositories).list()) {
          if (ctx.signal.aborted) return;
          const where = `${repository.metadata?.namespace ?? ''}/${repository.metadata?.name ?? ''}`;
          const location = locationOf(repository);
          if (location !== undefined && listed.has(location)) continue;
          try {
            const entries = await options.listRepository(repository, ctx);
            if (location !== undefined) listed.add(location);
            const found = successesFromRepository(entries, ctx.cluster);
            records.push(...found);
            seedLastSuccessful(recorder, found);
          } catch (error) {
            ctx.log.warn('metrics: cannot seed the last successful backups from a repository', {
              repository: where,
              error: (error as Error).message,
            });
          }
        }
      }
      ctx.log.info('metrics: last successful backup times seeded', {
        applications: newestPerApplication(records).length,
      });
    },
  };
}

/** Where a Repository CR points (URL and endpoint), to list a shared bucket once. */
function locationOf(repository: KubeObject): string | undefined {
  const spec = repository.spec as { url?: unknown; endpoint?: unknown } | undefined;
  if (typeof spec?.url !== 'string') return undefined;
  return JSON.stringify([spec.url, typeof spec.endpoint === 'string' ? spec.endpoint : '']);
}
