/**
 * The bounded per-table summary a Drill's status carries: the differing tables of a drill
 * report, named as captured, with row counts and why they differ. Fingerprint hashes stay
 * in the report (viewers of the CR may not read the repository); at most
 * `DRILL_STATUS_MAX_TABLES` entries keep the object small, `tablesTruncated` says when more differed.
 */
import {
  DRILL_STATUS_MAX_TABLES,
  type DrillTable,
  type DrillTableProblem,
} from '../kube/api/v1alpha1/index.ts';
import type { FingerprintDifference } from '../functions/compare-fingerprints.ts';
import type { DrillReport } from '../runs/index.ts';

export interface DrillTablesStatus {
  readonly tables: DrillTable[];
  readonly tablesTruncated?: true;
}

function problemOf(d: FingerprintDifference): DrillTableProblem {
  if (!d.actual) return 'missing';
  if (!d.expected) return 'unexpected';
  return d.expected.rows === d.actual.rows ? 'content' : 'rowCount';
}

/** `database.schema.table` / `database.table` → database and the rest; a bare name has no database. */
function splitName(qualified: string): { database: string; table: string } {
  const dot = qualified.indexOf('.');
  return dot <= 0 || dot === qualified.length - 1
    ? { database: '', table: qualified }
    : { database: qualified.slice(0, dot), table: qualified.slice(dot + 1) };
}

export function drillTablesOf(
  report: Pick<DrillReport, 'members'>,
  max: number = DRILL_STATUS_MAX_TABLES,
): DrillTablesStatus {
  const all = report.members.flatMap((m) =>
    m.differences.map((d): DrillTable => ({
      member: m.member,
      ...splitName(d.table),
      ...(d.expected && { expectedRows: d.expected.rows }),
      ...(d.actual && { actualRows: d.actual.rows }),
      problem: problemOf(d),
    })),
  );
  return all.length > max ? { tables: all.slice(0, max), tablesTruncated: true } : { tables: all };
}
