import { describe, expect, it } from 'vitest';
import { orderTypes, quoteIdent, rewriteCreate, tokenize } from '../../../adapters/cassandra/cql-text.ts';
import { orderStatements, statementKind } from '../../../adapters/cassandra/catalog.ts';

describe('cassandra CQL text', () => {
  it.each([
    ['plain', 'plain'],
    ['Mixed', 'Mixed'],
    ['with"quote', 'with"quote'],
  ])('quotes %s', (name) => {
    const quoted = quoteIdent(name);
    expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
    expect(tokenize(quoted)).toEqual([{ kind: 'quoted', text: quoted }]);
  });

  it('tokenizes losslessly', () => {
    const cql = `CREATE TABLE "Ks".t (a int, "B""x" text) WITH comment = 'it''s ks.t' -- ks.t\n AND x = $$ks.t$$ /* ks.t */;`;
    expect(
      tokenize(cql)
        .map((t) => t.text)
        .join(''),
    ).toBe(cql);
  });

  it.each([
    [
      'keyspace, quoted source',
      `CREATE KEYSPACE "Src" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true`,
      'Src',
      `CREATE KEYSPACE IF NOT EXISTS "dst" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true`,
    ],
    [
      'table: qualified names only, literals untouched',
      `CREATE TABLE src.src (src int PRIMARY KEY, x frozen<src>) WITH comment = 'src.src'`,
      'src',
      `CREATE TABLE IF NOT EXISTS "dst".src (src int PRIMARY KEY, x frozen<src>) WITH comment = 'src.src'`,
    ],
    [
      'custom index',
      `CREATE CUSTOM INDEX i ON "Src"."T" (d) USING 'StorageAttachedIndex'`,
      'Src',
      `CREATE CUSTOM INDEX IF NOT EXISTS i ON "dst"."T" (d) USING 'StorageAttachedIndex'`,
    ],
    [
      'materialized view with two references',
      `CREATE MATERIALIZED VIEW src.v AS SELECT * FROM src.t WHERE a IS NOT NULL PRIMARY KEY (a)`,
      'src',
      `CREATE MATERIALIZED VIEW IF NOT EXISTS "dst".v AS SELECT * FROM "dst".t WHERE a IS NOT NULL PRIMARY KEY (a)`,
    ],
    [
      'case: unquoted SRC means src, "SRC" does not',
      `CREATE TYPE SRC."SRC" (a int)`,
      'src',
      `CREATE TYPE IF NOT EXISTS "dst"."SRC" (a int)`,
    ],
    [
      'already IF NOT EXISTS',
      `CREATE TABLE IF NOT EXISTS src.t (a int PRIMARY KEY)`,
      'src',
      `CREATE TABLE IF NOT EXISTS "dst".t (a int PRIMARY KEY)`,
    ],
  ])('rewrites %s', (_name, cql, from, expected) => {
    expect(rewriteCreate(cql, from, 'dst', true)).toBe(expected);
  });

  it('orders types after the types they use', () => {
    const types = [
      { name: 'outer', cql: 'CREATE TYPE ks.outer (i frozen<"Inner">, m frozen<mid>)' },
      { name: 'mid', cql: 'CREATE TYPE ks.mid (i frozen<"Inner">)' },
      { name: 'Inner', cql: 'CREATE TYPE ks."Inner" (a int)' },
    ];
    expect(orderTypes(types).map((t) => t.name)).toEqual(['Inner', 'mid', 'outer']);
    expect(() =>
      orderTypes([
        { name: 'a', cql: 'CREATE TYPE ks.a (b frozen<b>)' },
        { name: 'b', cql: 'CREATE TYPE ks.b (a frozen<a>)' },
      ]),
    ).toThrow(/cycle/);
  });

  it('orders DESCRIBE output: schema before data, indexes and views after', () => {
    const rows = [
      { type: 'index', name: 'i', cql: 'CREATE INDEX i ON ks.t (a)' },
      { type: 'table', name: 't', cql: 'CREATE TABLE ks.t (a int PRIMARY KEY, u frozen<u>)' },
      { type: 'materialized_view', name: 'v', cql: 'CREATE MATERIALIZED VIEW ks.v AS SELECT …' },
      { type: 'type', name: 'u', cql: 'CREATE TYPE ks.u (a int)' },
      { type: 'keyspace', name: 'ks', cql: 'CREATE KEYSPACE ks WITH …' },
    ];
    const { before, after } = orderStatements(rows);
    expect(before.map(statementKind)).toEqual(['keyspace', 'type', 'table']);
    expect(after.map(statementKind)).toEqual(['index', 'view']);
  });
});
