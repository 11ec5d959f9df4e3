/**
 * Parallel load parts can deadlock in InnoDB. A real deadlock on a real MariaDB: the load
 * transaction is chosen as the victim, replays its statements and commits everything.
 */
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayableTransaction } from '../../../adapters/mysql/replay-transaction.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { connectTo, uniqueDb } from './_helpers.ts';

describe('mysql load transaction replay', () => {
  let loader: Connection;
  let other: Connection;
  const db = uniqueDb('replay');

  beforeAll(async () => {
    const server = await useServer('mariadb');
    [loader, other] = await Promise.all([connectTo(server), connectTo(server)]);
    await loader.query(`CREATE DATABASE ${db}`);
    await loader.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, v VARCHAR(20))`);
    await other.query(`CREATE TABLE ${db}.big (id INT PRIMARY KEY)`);
  });
  afterAll(async () => {
    await loader.query(`DROP DATABASE IF EXISTS ${db}`);
    await Promise.all([loader.end(), other.end()]);
  });

  it('survives being the deadlock victim and commits every statement', async () => {
    const tx = new ReplayableTransaction(loader);
    await tx.begin();
    await tx.query(`INSERT INTO ${db}.t VALUES (1, 'loader-1')`);
    await tx.query(`INSERT INTO ${db}.t VALUES (3, 'loader-3')`);

    // The other transaction writes more rows, so InnoDB rolls back the (smaller) loader.
    await other.query('START TRANSACTION');
    await other.query(`INSERT INTO ${db}.big SELECT seq FROM ${db}.seq_1_to_2000`);
    await other.query(`INSERT INTO ${db}.t VALUES (2, 'other-2')`);
    const loaderWaits = tx.query(`INSERT INTO ${db}.t VALUES (2, 'loader-2') ON DUPLICATE KEY UPDATE v = v`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Closes the cycle: other waits on the loader's row 1 while the loader waits on row 2.
    // (Parts of a real load write disjoint keys, so other only reads here.)
    const otherWaits = other.query(`SELECT v FROM ${db}.t WHERE id = 1 FOR UPDATE`);
    await otherWaits;
    await other.query('COMMIT');
    await loaderWaits;
    await tx.commit();

    const [rows] = await loader.query(`SELECT id, v FROM ${db}.t ORDER BY id`);
    // The loader's rows 1 and 3 were replayed after the rollback; row 2 is other's.
    expect(rows).toEqual([
      { id: 1, v: 'loader-1' },
      { id: 2, v: 'other-2' },
      { id: 3, v: 'loader-3' },
    ]);
  });
});
