/**
 * Faster loads by building secondary indexes after the data, as a sorted bulk build,
 * instead of maintaining them row by row: a `CREATE TABLE` from `SHOW CREATE TABLE` is
 * split into the table without its plain and unique secondary keys, and one
 * `ALTER TABLE … ADD KEY …, ADD UNIQUE KEY …` run after the rows are in.
 *
 * Left alone (kept inline): tables with foreign keys (their keys back the constraints),
 * partitioned tables, FULLTEXT and SPATIAL keys (InnoDB builds those one at a time), and a
 * key whose first column is an AUTO_INCREMENT column not leading the primary key (such a
 * column must always be indexed). Pure.
 */
import { quoteIdent } from './sql-literal.ts';

export interface SplitTable {
  /** The table name parsed from the statement. */
  readonly table: string;
  /** `CREATE TABLE` without the deferred keys (the input unchanged when nothing is deferred). */
  readonly create: string;
  /** `ALTER TABLE` adding the deferred keys, or undefined. */
  readonly addIndexes: string | undefined;
}

const DEFERRABLE = /^\s*(?:UNIQUE KEY|KEY|UNIQUE INDEX|INDEX) `/;
const FIRST_COLUMN = /\(`((?:[^`]|``)+)`/;

function firstColumn(line: string): string | undefined {
  return FIRST_COLUMN.exec(line)?.[1];
}

/** Split `createSql` (one `CREATE TABLE` as `SHOW CREATE TABLE` prints it). */
export function splitSecondaryIndexes(createSql: string): SplitTable | undefined {
  const name = /^CREATE TABLE `((?:[^`]|``)+)` \(\n/.exec(createSql);
  if (!name?.[1]) return undefined;
  const table = name[1].replaceAll('``', '`');
  const lines = createSql.split('\n');
  const closing = lines.findIndex((l, i) => i > 0 && l.startsWith(')'));
  if (closing < 0) return { table, create: createSql, addIndexes: undefined };
  const inner = lines.slice(1, closing).map((l) => l.replace(/,$/, ''));
  const tail = lines.slice(closing).join('\n');
  const keepAll = { table, create: createSql, addIndexes: undefined };
  if (inner.some((l) => /\bFOREIGN KEY\b/.test(l)) || /PARTITION BY/i.test(tail)) return keepAll;

  const autoInc = inner
    .map((l) => /^\s*`((?:[^`]|``)+)` .*\bAUTO_INCREMENT\b/.exec(l)?.[1])
    .find((c) => c !== undefined);
  const primary = inner.find((l) => /^\s*PRIMARY KEY/.test(l));
  const primaryFirst = primary === undefined ? undefined : firstColumn(primary);
  const kept: string[] = [];
  const deferred: string[] = [];
  for (const line of inner) {
    const mustStay = autoInc !== undefined && firstColumn(line) === autoInc && primaryFirst !== autoInc;
    if (DEFERRABLE.test(line) && !mustStay) deferred.push(line.trim());
    else kept.push(line);
  }
  if (deferred.length === 0) return keepAll;
  return {
    table,
    create: [lines[0], kept.join(',\n'), tail].join('\n'),
    addIndexes: `ALTER TABLE ${quoteIdent(table)} ${deferred.map((d) => `ADD ${d}`).join(', ')}`,
  };
}
