/**
 * `ArtifactSink.consumesEachPiece`: the backup writer promises to be done with each piece
 * before it asks for the next, so a producer may refill one buffer (the MySQL dump does).
 * A producer that overwrites its only buffer right after each `yield` returns must still
 * store exactly what it yielded, across chunk boundaries, for every member sink.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** 40 pieces of 300 KiB from one reused buffer; records the digest of what was yielded. */
async function* refilled(digest: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  const buffer = Buffer.alloc(300 * 1024);
  for (let i = 0; i < 40; i++) {
    randomBytes(buffer.length).copy(buffer);
    digest.update(buffer);
    yield buffer;
    buffer.fill(0xee); // the consumer asked for more: this piece is ours again
    await Promise.resolve();
  }
}

describe('backup writer: pieces consumed before the next is requested', () => {
  it('declares it, and stores exactly what a refilling producer yielded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-piece-reuse-'));
    dirs.push(dir);
    const key = randomBytes(32);
    await Repository.init(new LocalStore(dir), { key });
    const repo = await Repository.open(new LocalStore(dir), { key });
    const writer = await repo.startBackup({ app: 'reuse' });
    const sink = writer.member('m');
    expect(writer.consumesEachPiece).toBe(true);
    expect(sink.consumesEachPiece).toBe(true);
    const yielded = createHash('sha256');
    const put = await sink.put('data.sql', refilled(yielded));
    expect(put.bytes).toBe(40 * 300 * 1024);
    await writer.commit();
    const stored = createHash('sha256');
    for await (const chunk of await repo.openArtifact(writer.backupId, 'm', 'data.sql'))
      stored.update(chunk as Buffer);
    expect(stored.digest('hex')).toBe(yielded.digest('hex'));
  });
});
