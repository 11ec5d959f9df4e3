/** Clear errors: wrong password (never printed), missing keyspace, no fence or snapshot; probe facts. */
import { describe, expect, it } from 'vitest';
import { cassandraAdapter } from '../../../adapters/cassandra/index.ts';
import type { DatabaseAdapter } from '../../../adapters/types.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { quietProgress, workloadFor } from './_helpers.ts';

describe('cassandra adapter errors and probe', () => {
  it('reports a wrong password clearly without printing it', async () => {
    const server = await useServer('cassandra');
    const secret = 'Wr0ng-Pa55word-zebra';
    const error = await cassandraAdapter
      .probe(workloadFor({ ...server, password: secret }), AbortSignal.timeout(30_000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    const e = error as AdapterError;
    expect(e.engine).toBe('cassandra');
    expect(e.workload).toBe('events-db');
    expect(e.message).toMatch(/authentication failed: check the user name and password/);
    expect(e.message).toContain(`${server.host}:${String(server.port)}`);
    expect(e.retryable).toBe(false);
    const everything = JSON.stringify({
      m: e.message,
      s: e.serverMessage,
      c: String(e.cause),
      stack: e.stack,
    });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(server.password);
  });

  it('names missing keyspaces before writing anything', async () => {
    const server = await useServer('cassandra');
    const sink = { put: () => Promise.reject(new Error('nothing should be written')) };
    const run = cassandraAdapter.dump(workloadFor(server, ['no_such_keyspace_here']), sink, {
      strategy: 'logical',
      parallelism: 1,
      signal: AbortSignal.timeout(30_000),
      progress: quietProgress,
    });
    await expect(run).rejects.toThrow(/keyspace\(s\) not found on .*: no_such_keyspace_here/);
  });

  // pinSnapshot works (the snapshot strategy's node snapshot, snapshot.test.ts) but the
  // capabilities claim none, so a cut never relies on it.
  it('refuses freeze with a non-retryable error that says why, and claims no pinned snapshot', async () => {
    const server = await useServer('cassandra');
    const w = workloadFor(server);
    // Called as the engine calls it: through the interface.
    const adapter: DatabaseAdapter = cassandraAdapter;
    const fence = await adapter
      .freeze(w, { deadlineMs: 1000, signal: AbortSignal.timeout(5000) })
      .catch((e: unknown) => e);
    expect(fence).toBeInstanceOf(AdapterError);
    expect((fence as AdapterError).retryable).toBe(false);
    expect((fence as AdapterError).message).toMatch(/no global write fence/);
    expect(adapter.capabilities).toMatchObject({ fence: false, pinSnapshot: false });
  });

  it('probes version, role, keyspaces, privileges and limitations', async () => {
    const server = await useServer('cassandra');
    const result = await cassandraAdapter.probe(workloadFor(server), AbortSignal.timeout(30_000));
    expect(result.version).toMatch(/^5\.0\./);
    expect(result.role).toBe('standalone');
    expect(result.replicas).toEqual([]);
    expect(result.privileges).toContain('superuser');
    expect(result.databases).not.toContain('system');
    expect(result.databases).not.toContain('system_auth');
    expect(result.limitations.join('\n')).toMatch(/materialized views are disabled/);
    expect(result.limitations.join('\n')).toMatch(/no global write fence/);
  });
});
