/** Commander argument parsers shared by several commands. */
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../blueprint/duration.ts';
import { UsageError } from '../../errors.ts';
import { parseDbArgument } from '../../model/index.ts';
import { redactUrl } from '../../redact.ts';
import { parseMaxUnused } from '../../repository/repack-plan.ts';

/** A repeatable option: each occurrence appends. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A duration such as `30s`, `10m`, `1h30m`, in milliseconds. */
export function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `--max-unused`: a percentage or "unlimited", as a fraction. */
export function maxUnused(value: string): number {
  try {
    return parseMaxUnused(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function positive(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

/** `--flag NAME=URL` occurrences as a map from member name to URL. */
export function urlsByMember(flag: string, args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of args) {
    const arg = parseDbArgument(raw);
    if (arg.name === undefined) throw new UsageError(`${flag} ${redactUrl(raw)}: expected NAME=URL`);
    out[arg.name] = arg.url;
  }
  return out;
}
