/**
 * Database passwords kept out of argv: `LIFEBOAT_DB_PASSWORD_<MEMBER>` (member name upper-
 * cased, other characters as `_`), else `LIFEBOAT_DB_PASSWORD` for all members.
 */
export function passwordEnvName(member: string): string {
  return `LIFEBOAT_DB_PASSWORD_${member.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function passwordFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): (member: string) => string | undefined {
  return (member) => env[passwordEnvName(member)] ?? env.LIFEBOAT_DB_PASSWORD;
}
