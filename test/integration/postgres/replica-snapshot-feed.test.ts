/**
 * Feeding a stored data-directory tar into `tar -x` (real GNU tar, no server needed):
 * tar exits at the archive's end marker without reading what follows, so the feed can
 * end in EPIPE / "Premature close" although tar read a whole archive. That must not fail
 * the restore; a truncated archive and a failing source still must.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DATADIR_ARTIFACT,
  REPLICA_SNAPSHOT_ARTIFACT,
  restoreReplicaSnapshot,
} from '../../../adapters/postgres/replica-snapshot.ts';
import type { ArtifactSource } from '../../../adapters/types.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

const INFO = JSON.stringify({
  lsn: '0/3000060',
  labelFile: 'START WAL LOCATION: 0/3000028\n',
  spcmapFile: '',
});

/** A tar of a small fake data directory. */
async function dataDirTar(): Promise<Buffer> {
  const src = await tempDir('lifeboat-feed-src-');
  await mkdir(join(src, 'base'));
  await writeFile(join(src, 'PG_VERSION'), '15\n');
  await writeFile(join(src, 'base', 'rel'), Buffer.alloc(300_000, 7));
  return execFileSync('tar', ['-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 24 });
}

/** Artifacts served from memory; `datadir` decides what the tar artifact's stream yields. */
function source(datadir: () => Readable): ArtifactSource {
  return {
    list: () => Promise.resolve([DATADIR_ARTIFACT, REPLICA_SNAPSHOT_ARTIFACT]),
    open: (name) => (name === DATADIR_ARTIFACT ? datadir() : Readable.from([Buffer.from(INFO)])),
    meta: () => Promise.resolve({}),
  };
}

describe('postgres replica-snapshot restore: feeding tar', () => {
  afterAll(removeTempDirs);

  it('succeeds when tar exits at the end marker before the feed finishes (trailing bytes unread)', async () => {
    const tar = await dataDirTar();
    // 8 MiB after the end marker: more than a pipe holds, so tar exits with writes pending.
    const padded = () => Readable.from([tar, Buffer.alloc(8 * 1024 * 1024)]);
    const dataDir = join(await tempDir('lifeboat-feed-'), 'data');
    const { lsn } = await restoreReplicaSnapshot(source(padded), dataDir);
    expect(lsn).toBe('0/3000060');
    expect(await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).toBe('15\n');
    expect((await readFile(join(dataDir, 'base', 'rel'))).length).toBe(300_000);
    expect(await readFile(join(dataDir, 'backup_label'), 'utf8')).toContain('START WAL LOCATION');
  });

  it('fails on a truncated archive, naming tar', async () => {
    const tar = await dataDirTar();
    const truncated = () => Readable.from([tar.subarray(0, 100_000)]);
    const dataDir = join(await tempDir('lifeboat-feed-'), 'data');
    await expect(restoreReplicaSnapshot(source(truncated), dataDir)).rejects.toThrow(
      /extracting the data directory failed \(tar exited 2\)/,
    );
  });

  it("fails with the source's own error when the stored stream fails midway", async () => {
    const tar = await dataDirTar();
    const failing = () =>
      Readable.from(
        (async function* () {
          yield tar.subarray(0, 50_000);
          await new Promise((r) => setTimeout(r, 20));
          throw new Error('chunk 3 of datadir.tar failed its integrity check');
        })(),
      );
    const dataDir = join(await tempDir('lifeboat-feed-'), 'data');
    await expect(restoreReplicaSnapshot(source(failing), dataDir)).rejects.toThrow(
      'chunk 3 of datadir.tar failed its integrity check',
    );
  });
});
