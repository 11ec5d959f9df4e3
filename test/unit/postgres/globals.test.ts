import { describe, expect, it } from 'vitest';
import { parseGlobals, statementsToApply } from '../../../adapters/postgres/globals.ts';

const SCRIPT = `--
-- PostgreSQL database cluster dump
--

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';

--
-- Roles
--

CREATE ROLE app;
ALTER ROLE app WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:abc';
CREATE ROLE "Mixed ""Role""";
ALTER ROLE "Mixed ""Role""" WITH NOLOGIN;
CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:xyz';

--
-- Role memberships
--

GRANT app TO "Mixed ""Role""" GRANTED BY postgres;

\\connect template1

--
-- PostgreSQL database cluster dump complete
--
`;

describe('parseGlobals', () => {
  it('splits statements and names the roles they concern', () => {
    const statements = parseGlobals(SCRIPT);
    expect(statements.map((s) => [s.kind, s.role ?? ''])).toEqual([
      ['other', ''],
      ['other', ''],
      ['create-role', 'app'],
      ['alter-role', 'app'],
      ['create-role', 'Mixed "Role"'],
      ['alter-role', 'Mixed "Role"'],
      ['create-role', 'postgres'],
      ['alter-role', 'postgres'],
      ['other', ''],
    ]);
  });

  it.each([
    ['fresh server with only postgres', ['postgres'], ['app', 'Mixed "Role"']],
    ['every role exists', ['postgres', 'app', 'Mixed "Role"'], []],
    ['nothing exists', [], ['app', 'Mixed "Role"', 'postgres']],
  ])('leaves existing roles untouched: %s', (_name, existing, created) => {
    const applied = statementsToApply(parseGlobals(SCRIPT), new Set(existing));
    const roles = [...new Set(applied.filter((s) => s.role !== undefined).map((s) => s.role))];
    expect(roles).toEqual(created);
    // Never change the password of a role the target already has.
    for (const role of existing) {
      expect(applied.some((s) => s.kind === 'alter-role' && s.role === role)).toBe(false);
    }
  });
});
