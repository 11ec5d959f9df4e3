/** `lifeboat export`: one member of a backup as a file the native tools load (no lock-in). */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { exportNative } from '../../../adapters/export.ts';
import { UsageError } from '../../errors.ts';
import { parseConnectionUrl } from '../../model/index.ts';
import { isStreamMember, memberDatabases, memberEngine } from '../../runs/index.ts';
import { openRepository, withRepositoryOptions, type RepositoryFlags } from './_repository-options.ts';

interface ExportFlags extends RepositoryFlags {
  readonly file?: string;
  readonly database?: string;
}

export function registerExport(program: Command): void {
  withRepositoryOptions(
    program
      .command('export')
      .description(
        'write one member of a backup in a form its native tools load (psql, mariadb), or a --stdin stream as it came in',
      )
      .argument('<backup-id>', 'backup (see lifeboat list)')
      .argument('<member>', 'member name within the backup')
      .option('-f, --file <path>', 'write here instead of stdout')
      .option('--database <name>', 'the database to export, where the engine exports one at a time'),
  ).action(async (backupId: string, memberName: string, flags: ExportFlags) => {
    const repository = await openRepository(flags);
    const manifest = await repository.readManifest(backupId);
    const member = manifest.members.find((m) => m.name === memberName);
    if (!member) {
      const names = manifest.members.map((m) => m.name).join(', ');
      throw new UsageError(`backup ${backupId} has no member "${memberName}" (it has: ${names})`);
    }
    if (isStreamMember(member)) {
      // a stream piped into lifeboat backup --stdin: its bytes, exactly as they came in
      const artifact = member.details.artifact ?? '';
      const source = await repository.openArtifact(backupId, memberName, artifact);
      const out: Writable = flags.file ? createWriteStream(flags.file) : process.stdout;
      await pipeline(source, out, { end: flags.file !== undefined });
      if (flags.file) process.stderr.write(`wrote ${flags.file} (${artifact} of backup ${backupId})\n`);
      return;
    }
    const engine = memberEngine(member);
    const endpoint = member.details.endpoint ?? `${engine}://localhost/`;
    const parsed = parseConnectionUrl(endpoint);
    const workload = {
      name: member.name,
      engine,
      primary: parsed.endpoint,
      replicas: [],
      databases: memberDatabases(member),
      credentials: {},
      annotations: {},
      pvcs: [],
      source: 'url',
    } as const;
    const out: Writable = flags.file ? createWriteStream(flags.file) : process.stdout;
    const hint = await exportNative(
      engine,
      {
        workload,
        source: await repository.source(backupId, memberName),
        databases: memberDatabases(member),
        ...(flags.database !== undefined && { database: flags.database }),
      },
      out,
    );
    if (flags.file) {
      out.end();
      await once(out, 'finish');
      process.stderr.write(`wrote ${flags.file}; load it with: ${hint.replaceAll('FILE', flags.file)}\n`);
    }
  });
}
