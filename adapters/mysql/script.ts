/**
 * The text form of DDL artifacts: statements framed by `DELIMITER ;;` so the `mariadb`
 * client loads them unchanged (routine bodies contain `;`), and Lifeboat's loader splits
 * them on the same frame. Pure.
 */
import type { PostObject } from './catalog.ts';

const END = '\n;;\n';
const HEAD = 'DELIMITER ;;\n';
const TAIL = 'DELIMITER ;\n';

/** One script holding `statements` in order. */
export function renderScript(statements: readonly string[]): string {
  return HEAD + statements.map((s) => s + END).join('') + TAIL;
}

/** The statements of a script written by `renderScript`. */
export function parseScript(text: string): string[] {
  let body = text.startsWith(HEAD) ? text.slice(HEAD.length) : text;
  if (body.endsWith(TAIL)) body = body.slice(0, -TAIL.length);
  return body
    .split(END)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function quoteString(s: string): string {
  return "'" + s.replaceAll('\\', '\\\\').replaceAll("'", "\\'") + "'";
}

/**
 * Statements that recreate post-data objects: each preceded by the `sql_mode` it was
 * created under (routines, triggers and events keep their own mode), then the default
 * mode restored.
 */
export function postStatements(objects: readonly PostObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if (o.sqlMode !== undefined) out.push(`SET SESSION sql_mode = ${quoteString(o.sqlMode)}`);
    out.push(o.createSql);
  }
  out.push(`SET SESSION sql_mode = ${quoteString(LOAD_SQL_MODE)}`);
  return out;
}

/** The session mode data is loaded under: zero dates and explicit zero AUTO_INCREMENT keys load as dumped. */
export const LOAD_SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO';

/**
 * Session settings at the top of every data file, one statement per line, so each file
 * also loads with `mariadb db < file`: UTC for TIMESTAMP text, no per-row key checks.
 */
export const DATA_HEADER: readonly string[] = [
  'SET NAMES utf8mb4;',
  "SET time_zone = '+00:00';",
  `SET sql_mode = '${LOAD_SQL_MODE}';`,
  'SET foreign_key_checks = 0;',
  'SET unique_checks = 0;',
];
