/**
 * `tableStatements` with `reuseBuffer` (one statement buffer refilled after each yield)
 * streamed into the real backup writer stores exactly the bytes, and hashes exactly the
 * rows, of the fresh-buffer-per-statement stream; small statements force hundreds of
 * refills, rows with long values cross chunk boundaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { readDatabase } from '../../../adapters/mysql/catalog.ts';
import { connect, resolveTarget, type MysqlTarget } from '../../../adapters/mysql/connect.ts';
import { loadRowHash, TableHasher } from '../../../adapters/mysql/row-hash.ts';
import { tableStatements } from '../../../adapters/mysql/table-stream.ts';
import { useServer, type MariadbServer, type SharedServer } from '../../../testcontainers/index.ts';
import { connectTo, testRepository, uniqueDb, workloadFor, type TestRepository } from './_helpers.ts';

describe('mysql table stream reusing its statement buffer', () => {
  let server: SharedServer<MariadbServer>;
  let admin: Connection;
  let conn: Connection;
  let target: MysqlTarget;
  let repo: TestRepository;
  const db = uniqueDb('reuse');

  beforeAll(async () => {
    server = await useServer('mariadb');
    admin = await connectTo(server);
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(
      `CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, note VARCHAR(2000), b BLOB, d DECIMAL(20,5))`,
    );
    await admin.query(
      `INSERT INTO \`${db}\`.t SELECT seq, REPEAT(CONCAT('n', seq, ' ✨ '), 1 + seq % 150), ` +
        `UNHEX(SHA2(seq, 256)), seq / 7 FROM \`${db}\`.seq_1_to_20000`,
    );
    target = resolveTarget(workloadFor(server, [db]), 'primary');
    conn = await connect(target);
    repo = await testRepository();
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.end();
    await conn.end();
    await repo.remove();
  });

  it('stores the same bytes and fingerprint as fresh buffers', async () => {
    const info = await readDatabase(conn, target, db);
    const table = info.tables.find((t) => t.name === 't');
    if (!table) throw new Error('table t not found');
    const rowHash = await loadRowHash();
    const signal = AbortSignal.timeout(60_000);
    const options = { signal, maxStatementBytes: 16 * 1024 };

    const freshHasher = new TableHasher(rowHash);
    const parts: Buffer[] = [];
    for await (const piece of tableStatements(conn, target, db, table, freshHasher, options))
      parts.push(piece);
    const expected = Buffer.concat(parts);
    expect(parts.length).toBeGreaterThan(500);

    const reuseHasher = new TableHasher(rowHash);
    const { source } = await repo.capture('m', async (sink) => {
      expect(sink.consumesEachPiece).toBe(true);
      return sink.put(
        'data.sql',
        tableStatements(conn, target, db, table, reuseHasher, { ...options, reuseBuffer: true }),
      );
    });
    const stored: Buffer[] = [];
    for await (const chunk of source.open('data.sql')) stored.push(chunk as Buffer);
    expect(Buffer.concat(stored).equals(expected)).toBe(true);
    expect(reuseHasher.result()).toEqual(freshHasher.result());
    expect(freshHasher.rows).toBe(20000);
  });
});
