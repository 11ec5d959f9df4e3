/**
 * Members that are one stream piped into `lifeboat backup --stdin`: bytes of unknown
 * meaning that no adapter can load, verify or drill; only `export` gives them back.
 * Kept apart from member-record.ts so the stdin command loads none of the adapters.
 */
import { UsageError } from '../errors.ts';
import type { ManifestMember } from '../repository/index.ts';

/** The engine recorded for such a member. */
export const STDIN_ENGINE = 'stdin';

export function isStreamMember(member: ManifestMember): boolean {
  return member.engine === STDIN_ENGINE;
}

/** Refuse, with what to do instead, where a database is expected. */
export function refuseStreamMember(member: ManifestMember): void {
  if (!isStreamMember(member)) return;
  const artifact = member.details.artifact ?? 'the stream';
  throw new UsageError(
    `member "${member.name}" is ${artifact} as piped into lifeboat backup --stdin: Lifeboat cannot load it into a database; write it out with lifeboat export BACKUP_ID ${member.name} and load it with the tool that made it`,
    { workload: member.name },
  );
}
