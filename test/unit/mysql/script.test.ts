import { describe, expect, it } from 'vitest';
import { parseScript, postStatements, renderScript } from '../../../adapters/mysql/script.ts';
import { orderViews, type PostObject } from '../../../adapters/mysql/catalog.ts';
import { splitLines } from '../../../adapters/mysql/lines.ts';
import { parseGlobalPrivileges } from '../../../adapters/mysql/probe.ts';
import { hasBackupStage, parseVersion } from '../../../adapters/mysql/server-info.ts';

describe('renderScript / parseScript', () => {
  it('round-trips statements with semicolons and newlines', () => {
    const statements = [
      'CREATE TABLE t (a INT)',
      'CREATE PROCEDURE p() BEGIN\n  SELECT 1;\n  SELECT 2;\nEND',
    ];
    const text = renderScript(statements);
    expect(text.startsWith('DELIMITER ;;\n')).toBe(true);
    expect(parseScript(text)).toEqual(statements);
  });

  it('handles an empty script', () => {
    expect(parseScript(renderScript([]))).toEqual([]);
  });
});

describe('postStatements', () => {
  it('sets each object’s sql_mode before it and restores the load mode at the end', () => {
    const out = postStatements([
      {
        type: 'function',
        name: 'f',
        createSql: 'CREATE FUNCTION f() RETURNS INT RETURN 1',
        sqlMode: 'ANSI_QUOTES,NO_ZERO_DATE',
      },
      { type: 'view', name: 'v', createSql: 'CREATE VIEW v AS SELECT 1' },
    ]);
    expect(out).toEqual([
      "SET SESSION sql_mode = 'ANSI_QUOTES,NO_ZERO_DATE'",
      'CREATE FUNCTION f() RETURNS INT RETURN 1',
      'CREATE VIEW v AS SELECT 1',
      "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
    ]);
  });
});

describe('orderViews', () => {
  const view = (name: string, sql: string): PostObject => ({ type: 'view', name, createSql: sql });
  it('puts a view after the views it names', () => {
    const ordered = orderViews([
      view('top', 'CREATE VIEW `top` AS select * from `mid`'),
      view('mid', 'CREATE VIEW `mid` AS select * from `base`'),
      view('base', 'CREATE VIEW `base` AS select * from `t`'),
    ]);
    expect(ordered.map((v) => v.name)).toEqual(['base', 'mid', 'top']);
  });
});

describe('splitLines', () => {
  async function* chunks(parts: string[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield await Promise.resolve(Buffer.from(p));
  }
  it.each([
    [['a\nb\n'], ['a', 'b']],
    [
      ['a', 'b\nc', '\n'],
      ['ab', 'c'],
    ],
    [['no newline'], ['no newline']],
    [['\n\n'], ['', '']],
  ])('%j', async (parts, expected) => {
    const out: string[] = [];
    for await (const line of splitLines(chunks(parts))) out.push(line.toString());
    expect(out).toEqual(expected);
  });
});

describe('parseGlobalPrivileges', () => {
  it.each([
    [['GRANT ALL PRIVILEGES ON *.* TO `root`@`%` WITH GRANT OPTION'], ['reload', 'super', 'lock tables']],
    [
      ['GRANT RELOAD, LOCK TABLES, BINLOG MONITOR ON *.* TO `b`@`%`'],
      ['binlog monitor', 'lock tables', 'reload'],
    ],
    [['GRANT USAGE ON *.* TO `u`@`%`', 'GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`'], []],
  ])('%j', (grants, expected) => {
    const got = parseGlobalPrivileges(grants);
    for (const p of expected) expect(got).toContain(p);
    if (expected.length === 0) expect(got).toEqual([]);
  });
});

describe('parseVersion', () => {
  it.each([
    ['10.11.19-MariaDB-0+deb12u1-log', 'mariadb', true],
    ['10.3.39-MariaDB', 'mariadb', false],
    ['11.4.2-MariaDB', 'mariadb', true],
    ['8.0.36', 'mysql', false],
  ] as const)('%s', (version, flavor, backupStage) => {
    const info = parseVersion(version);
    expect(info.flavor).toBe(flavor);
    expect(hasBackupStage(info)).toBe(backupStage);
  });
});
