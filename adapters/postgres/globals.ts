/**
 * Applying `pg_dumpall --globals-only` output on restore: roles that are missing on the
 * target are created with their attributes and memberships; roles that already exist
 * are left untouched (restoring must not change the password of the target's own roles).
 */

/** One statement of the globals script with the role it concerns. */
export interface GlobalStatement {
  readonly sql: string;
  /** `create-role` / `alter-role` name a role; `other` is anything else. */
  readonly kind: 'create-role' | 'alter-role' | 'other';
  readonly role?: string;
}

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replaceAll('""', '"') : ident;
}

const IDENT = '("(?:[^"]|"")+"|[^\\s;]+)';
const CREATE_ROLE = new RegExp(`^CREATE ROLE ${IDENT}`, 'i');
const ALTER_ROLE = new RegExp(`^ALTER ROLE ${IDENT}`, 'i');

/**
 * Split a pg_dumpall globals script into statements (pure). Comments, blank lines and
 * psql meta-commands are dropped; statements end with `;` at the end of a line.
 */
export function parseGlobals(script: string): GlobalStatement[] {
  const out: GlobalStatement[] = [];
  let current: string[] = [];
  for (const line of script.split('\n')) {
    if (current.length === 0 && (line.trim() === '' || line.startsWith('--') || line.startsWith('\\')))
      continue;
    current.push(line);
    if (line.trimEnd().endsWith(';')) {
      const sql = current.join('\n');
      current = [];
      const create = CREATE_ROLE.exec(sql);
      const alter = ALTER_ROLE.exec(sql);
      if (create?.[1]) out.push({ sql, kind: 'create-role', role: unquote(create[1]) });
      else if (alter?.[1]) out.push({ sql, kind: 'alter-role', role: unquote(alter[1]) });
      else out.push({ sql, kind: 'other' });
    }
  }
  return out;
}

/** The statements to run on a target where `existing` roles already exist (pure). */
export function statementsToApply(
  statements: readonly GlobalStatement[],
  existing: ReadonlySet<string>,
): GlobalStatement[] {
  return statements.filter((s) => {
    if (s.kind === 'create-role' || s.kind === 'alter-role')
      return s.role !== undefined && !existing.has(s.role);
    return true;
  });
}
