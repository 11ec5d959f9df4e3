/** Wrong credentials give a clear AdapterError that never contains the password. */
import { describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { workloadFor } from './_helpers.ts';

describe('mysql adapter errors', () => {
  it('reports a wrong password clearly without printing it', async () => {
    const server = await useServer('mariadb');
    const secret = 'Wr0ng-Pa55word-zebra';
    const workload = workloadFor({ ...server, password: secret });
    const error = await mysqlAdapter.probe(workload, AbortSignal.timeout(20_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    const e = error as AdapterError;
    expect(e.engine).toBe('mysql');
    expect(e.workload).toBe('shop-db');
    expect(e.message).toMatch(/Access denied for user 'root'/);
    expect(e.message).toMatch(/check the user name and password/);
    expect(e.message).toContain(`${server.host}:${String(server.port)}`);
    const everything = JSON.stringify({
      m: e.message,
      s: e.serverMessage,
      c: String(e.cause),
      stack: e.stack,
    });
    expect(everything).not.toContain(secret);
    expect(e.retryable).toBe(false);
  });

  it('names missing databases', async () => {
    const server = await useServer('mariadb');
    const sink = { put: () => Promise.reject(new Error('nothing should be written')) };
    const run = mysqlAdapter.dump(workloadFor(server, ['no_such_db_here']), sink, {
      strategy: 'logical',
      parallelism: 1,
      signal: AbortSignal.timeout(20_000),
      progress: { bytes: () => undefined, rows: () => undefined, estimate: () => undefined },
    });
    await expect(run).rejects.toThrow(/database\(s\) not found: no_such_db_here/);
  });
});
