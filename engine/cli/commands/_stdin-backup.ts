/**
 * `lifeboat backup --stdin NAME`: one stream from standard input (the output of any
 * dump tool) stored as a backup of one member, like `restic backup --stdin`. Standard
 * input is read on a thread of its own with blocking reads (repository/fd-reader.ts).
 *
 * What it cannot know: whether the program writing into the pipe succeeded. A shell
 * pipeline's exit status comes too late (the backup is committed by then), so a dump
 * tool that dies half-way leaves a short stream that looks complete. The help text says
 * so; adapters (`--db`) do not have this problem.
 */
import { isatty } from 'node:tty';
import { UsageError } from '../../errors.ts';
import type { Repository } from '../../repository/index.ts';
import { readFd } from '../../repository/fd-reader.ts';
import { STDIN_ENGINE } from '../../runs/stream-member.ts';
import { humanBytes } from './_repository-options.ts';
import { terminalProgress } from './_terminal-progress.ts';

export interface StdinBackupRequest {
  /** Artifact name of the stream (e.g. `all.sql`). */
  readonly artifact: string;
  readonly app: string;
  readonly cluster?: string;
  readonly output: 'table' | 'json';
}

const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function backupStdin(repository: Repository, request: StdinBackupRequest): Promise<void> {
  if (!ARTIFACT_NAME.test(request.artifact)) {
    throw new UsageError(
      `--stdin ${request.artifact}: give the stream a file-like name (letters, digits, . _ -), e.g. --stdin all.sql`,
    );
  }
  if (isatty(0)) {
    throw new UsageError(
      '--stdin backs up what is piped into lifeboat, but standard input is a terminal: e.g. pg_dumpall | lifeboat backup --stdin all.sql --app shop',
    );
  }
  const writer = await repository.startBackup({
    app: request.app,
    member: request.app,
    ...(request.cluster !== undefined && { cluster: request.cluster }),
  });
  // interrupted: no manifest, and the lock goes at once rather than at its expiry
  const stop = (signal: NodeJS.Signals): void => {
    void writer.abort().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const progress = terminalProgress('read', () => ({ bytes: writer.stats.bytesIn }));
  const t0 = performance.now();
  try {
    await writer.put(request.artifact, readFd(0, 'standard input'));
    const manifest = await writer.commit({
      members: [
        { name: request.app, engine: STDIN_ENGINE, details: { source: 'stdin', artifact: request.artifact } },
      ],
    });
    const seconds = (performance.now() - t0) / 1000;
    const stats = writer.stats;
    progress.stop();
    if (request.output === 'json') {
      process.stdout.write(
        `${JSON.stringify({ id: manifest.backupId, app: manifest.app, artifact: request.artifact, bytes: stats.bytesIn, newBytesStored: stats.newBytesStored, chunks: stats.chunks, newChunks: stats.newChunks, seconds })}\n`,
      );
    } else {
      process.stderr.write(
        `backup ${manifest.backupId} of ${manifest.app}: ${request.artifact}, ${humanBytes(stats.bytesIn)} from stdin in ${seconds.toFixed(1)}s (${humanBytes(stats.newBytesStored)} new in the repository)\n`,
      );
      process.stdout.write(`${manifest.backupId}\n`);
    }
  } catch (error) {
    progress.stop();
    await writer.abort();
    throw error;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
