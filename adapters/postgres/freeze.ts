/**
 * Write fence for the cross-service cut: per database one session holds
 * `LOCK TABLE … IN SHARE MODE` on every user table (reads and snapshot exports go on,
 * INSERT/UPDATE/DELETE/TRUNCATE wait). Acquisition is bounded by `lock_timeout`; the
 * hold is bounded server-side by `idle_in_transaction_session_timeout`, so the locks go
 * even if Lifeboat dies or hangs; `release` rolls back and is idempotent.
 * Not fenced: sequences (nextval), DDL on new tables created after the lock, large objects.
 */
import type pg from 'pg';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { Fence } from '../types.ts';
import { qualified } from './canonical.ts';
import { listLockableTables } from './catalog.ts';
import { connect, type ConnectionTarget } from './connection.ts';
import { adapterError, throwIfAborted } from './errors.ts';
import { resolveDatabases } from './snapshot.ts';

/** Options of `freeze`. */
export interface FreezeOptions {
  /** Time allowed to take every lock; past it the freeze fails (retryable). */
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  /** Longest the server keeps the fence if it is never released. @default 300000 */
  readonly maxHoldMs?: number;
  /** Databases and one open session per database, prepared before the cut (cut-session.ts). */
  readonly prepared?: {
    readonly databases: readonly string[];
    readonly sessions: ReadonlyMap<string, pg.Client>;
  };
}

/** Fence every user table of the workload's databases; see module comment. */
export async function freeze(
  workload: Workload,
  options: FreezeOptions,
): Promise<Fence & { readonly tables: number }> {
  const target: ConnectionTarget = { workload, endpoint: workload.primary };
  const started = performance.now();
  const databases = options.prepared?.databases ?? (await resolveDatabases(target));
  const sessions: pg.Client[] = [];
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await Promise.all(
      sessions.map(async (s) => {
        await s.query('ROLLBACK').catch(() => {});
        await s.end().catch(() => {});
      }),
    );
  };
  let tables = 0;
  try {
    await Promise.all(
      databases.map(async (database) => {
        throwIfAborted(options.signal, workload);
        const session =
          options.prepared?.sessions.get(database) ??
          (await connect(target, database, { applicationName: 'lifeboat-fence' }));
        sessions.push(session);
        const left = Math.max(1, Math.round(options.deadlineMs - (performance.now() - started)));
        await session.query(`SET lock_timeout = ${left}`);
        await session.query(
          `SET idle_in_transaction_session_timeout = ${Math.round(options.maxHoldMs ?? 300_000)}`,
        );
        await session.query('BEGIN');
        const list = await listLockableTables(session);
        if (list.length > 0) {
          await session.query(
            `LOCK TABLE ${list.map((t) => qualified(t.schema, t.name)).join(', ')} IN SHARE MODE`,
          );
        }
        tables += list.length;
      }),
    );
    throwIfAborted(options.signal, workload);
  } catch (error) {
    await release();
    const code = (error as { code?: string }).code;
    if (code === '55P03') {
      throw new AdapterError(
        'postgres',
        `freeze: could not lock every table within ${options.deadlineMs} ms (a long transaction holds a conflicting lock)`,
        {
          workload: workload.name,
          retryable: true,
          cause: error,
        },
      );
    }
    throw adapterError(workload, 'freeze failed', error);
  }
  return { acquiredAt: Date.now(), tables, release };
}
