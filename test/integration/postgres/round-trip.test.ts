/**
 * PostgreSQL adapter round trip against a real server: the awkward-types corpus is
 * dumped into a sink, loaded into a new database, and both the adapter's fingerprint and
 * an independent SQL content comparison must be equal. Also: non-empty targets are
 * refused without force, a wrong password gives a clear error without the password.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';
import { exportPlainSql, postgresAdapter } from '../../../adapters/postgres/index.ts';
import { pgBinDir } from '../../../adapters/postgres/tools.ts';
import { AdapterError } from '../../../engine/errors.ts';
import type { CaptureResult } from '../../../adapters/types.ts';
import { CORPUS_SQL } from './corpus.ts';
import type { DirArtifacts } from './dir-artifacts.ts';
import {
  contentSummary,
  createDatabase,
  noProgress,
  renameKeys,
  removeTempDirs,
  tempArtifacts,
  uniqueName,
  withClient,
  workloadOf,
  type PgServerInfo,
} from './helpers.ts';

const signal = new AbortController().signal;

describe('postgres adapter round trip', () => {
  afterAll(removeTempDirs);
  let server: PgServerInfo;
  const source = uniqueName('corpus');
  const restored = `${source}_restored`;
  let artifacts: DirArtifacts;
  let capture: CaptureResult;

  beforeAll(async () => {
    server = await useServer('postgres');
    await createDatabase(server, source);
    await withClient(server, source, (c) => c.query(CORPUS_SQL));
    artifacts = await tempArtifacts();
    capture = await postgresAdapter.dump(workloadOf(server, [source]), artifacts, {
      strategy: 'logical',
      parallelism: 2,
      signal,
      progress: noProgress,
    });
  });

  it('captures every table with an LSN marker and per-table fingerprints', () => {
    expect(capture.markers[0]?.kind).toBe('lsn');
    expect(capture.markers[0]?.value).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(capture.fingerprint[`${source}.sales.orders`]?.rows).toBe(2000);
    expect(capture.fingerprint[`${source}.sales.audit`]?.rows).toBe(2000);
    // Leaf partitions are copied, not the partitioned parent.
    expect(capture.fingerprint[`${source}.Mixed Case.Events 2024`]?.rows).toBeGreaterThan(0);
    expect(capture.fingerprint[`${source}.Mixed Case.Events`]).toBeUndefined();
    expect(capture.fingerprint[`${source}.public.empty_table`]).toEqual({
      rows: 0,
      hash: '0000000000000000',
    });
  });

  it('the capture fingerprint equals a live fingerprint of the source', async () => {
    const live = await postgresAdapter.fingerprint(workloadOf(server, [source]), {
      databases: [source],
      signal,
    });
    expect(live).toEqual(capture.fingerprint);
  });

  it('restores into a renamed database with equal fingerprint and equal content', async () => {
    await postgresAdapter.load(workloadOf(server, []), artifacts, {
      rename: { [source]: restored },
      force: false,
      parallelism: 2,
      signal,
      progress: noProgress,
    });
    const after = await postgresAdapter.fingerprint(workloadOf(server, [restored]), {
      databases: [restored],
      signal,
    });
    expect(after).toEqual(renameKeys(capture.fingerprint, source, restored));
    const [a, b] = await Promise.all([contentSummary(server, source), contentSummary(server, restored)]);
    expect(b).toEqual(a);
    // Sequences continue where they were; triggers did not fire during the load.
    await withClient(server, restored, async (c) => {
      const r = await c.query<{ n: string }>("SELECT nextval('sales.invoice_no')::text AS n");
      const s = await withClient(server, source, (d) =>
        d.query<{ n: string }>("SELECT nextval('sales.invoice_no')::text AS n"),
      );
      expect(r.rows[0]?.n).toBe(s.rows[0]?.n);
    });
  });

  it('refuses a non-empty target without force, and overwrites it with force', async () => {
    await withClient(server, restored, (c) => c.query('INSERT INTO public.empty_table VALUES (1)'));
    const options = { rename: { [source]: restored }, parallelism: 2, signal, progress: noProgress };
    await expect(
      postgresAdapter.load(workloadOf(server, []), artifacts, { ...options, force: false }),
    ).rejects.toThrow(/not empty: refusing to restore over it without force/);
    await postgresAdapter.load(workloadOf(server, []), artifacts, { ...options, force: true });
    const after = await postgresAdapter.fingerprint(workloadOf(server, [restored]), {
      databases: [restored],
      signal,
    });
    expect(after).toEqual(renameKeys(capture.fingerprint, source, restored));
  });

  it('stops on the first error and reports it (a corrupted table artifact)', async () => {
    const broken = await tempArtifacts();
    for (const name of await artifacts.list()) {
      const data =
        name.endsWith('.copy') && name.includes('/data/0.')
          ? Readable.from([Buffer.from('not\ta\tvalid\trow\n')])
          : artifacts.open(name);
      await broken.put(name, data, await artifacts.meta(name));
    }
    const target = `${source}_broken`;
    const error = await postgresAdapter
      .load(workloadOf(server, []), broken, {
        rename: { [source]: target },
        force: false,
        parallelism: 2,
        signal,
        progress: noProgress,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toMatch(/loading table/);
  });

  it('exports a plain SQL script that psql alone loads into an equal database', async () => {
    const file = join(artifacts.dir, 'export.sql');
    const out = createWriteStream(file);
    await exportPlainSql(workloadOf(server, []), artifacts, source, out);
    await new Promise<void>((resolve, reject) => {
      out.end((error?: Error | null) => {
        if (error) reject(error);
        else resolve();
      });
    });
    const target = `${source}_psql`;
    await createDatabase(server, target);
    const psql = join(pgBinDir(), 'psql');
    const result = spawnSync(
      psql,
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        server.host,
        '-p',
        String(server.port),
        '-U',
        server.user,
        '-d',
        target,
        '-f',
        file,
      ],
      {
        env: { ...process.env, PGPASSWORD: server.password },
        encoding: 'utf8',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const after = await postgresAdapter.fingerprint(workloadOf(server, [target]), {
      databases: [target],
      signal,
    });
    expect(after).toEqual(renameKeys(capture.fingerprint, source, target));
    const [a, b] = await Promise.all([contentSummary(server, source), contentSummary(server, target)]);
    // The source's sequence moved on (nextval above): compare it with the capture instead.
    const { sequences: _sa, ...restA } = a;
    const { sequences: sequencesB, ...restB } = b;
    expect(restB).toEqual(restA);
    expect(sequencesB).toContainEqual(
      expect.objectContaining({ sequencename: 'invoice_no', last_value: '15000' }),
    );
  });

  it('a wrong password gives a clear error that does not contain the password', async () => {
    const password = 'Wr0ng-Secret-Passw0rd';
    const workload = workloadOf(server, [source], { password });
    for (const attempt of [
      () => postgresAdapter.probe(workload, signal),
      () =>
        postgresAdapter.dump(workload, artifacts, {
          strategy: 'logical',
          parallelism: 1,
          signal,
          progress: noProgress,
        }),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AdapterError);
      const text = `${(error as Error).message} ${String((error as AdapterError).serverMessage)} ${JSON.stringify(error)}`;
      expect(text).toMatch(/password authentication failed/);
      expect(text).not.toContain(password);
    }
  });
});
