/**
 * Options every repository command shares (`--repo`, `--key-file`) and how they
 * resolve to an open Repository. The key comes from `--key-file PATH` or the
 * `LIFEBOAT_REPO_KEY` environment variable, never from argv itself.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { KEY_ENV, loadKeySecret, openStore, Repository } from '../../repository/index.ts';

export interface RepositoryFlags {
  readonly repo?: string;
  readonly keyFile?: string;
}

/** Adds `--repo URL` and `--key-file PATH` to a command. */
export function withRepositoryOptions(command: Command): Command {
  return command
    .option(
      '--repo <url>',
      'repository: file:///path or s3://bucket/prefix?endpoint=…&region=…&pathStyle=true (env LIFEBOAT_REPO)',
    )
    .option('--key-file <path>', `file holding the repository key (else env ${KEY_ENV})`);
}

export function repositoryUrl(flags: RepositoryFlags): string {
  const url = flags.repo ?? process.env.LIFEBOAT_REPO;
  if (!url) throw new UsageError('no repository given: use --repo URL or set LIFEBOAT_REPO');
  return url;
}

export function keySecret(flags: RepositoryFlags): Buffer | undefined {
  return loadKeySecret(flags.keyFile === undefined ? {} : { keyFile: flags.keyFile });
}

export async function openRepository(flags: RepositoryFlags): Promise<Repository> {
  const key = keySecret(flags);
  return Repository.open(await openStore(repositoryUrl(flags)), key ? { key } : {});
}

/** Commander parser of a non-negative integer flag. */
export function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** `-o table|json`. */
export function outputFormat(value: string): 'table' | 'json' {
  if (value !== 'table' && value !== 'json') throw new InvalidArgumentError('expected "table" or "json"');
  return value;
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? String(v) : v.toFixed(1)} ${units[i] ?? 'B'}`;
}
