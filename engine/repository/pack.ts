/**
 * Packs: the objects chunks are stored in. A backup's new chunks are appended, each
 * sealed on its own (codec.ts, authenticated against its chunk id), to a pack of about
 * 8 MiB, so a backup writes a few objects per hundred MiB instead of one per chunk:
 * far fewer files and fsyncs on a local disk, far fewer PUTs (and request charges) on
 * S3. A sealed chunk does not depend on where it lies, so it can be read by range.
 *
 *   pack = sealed chunk … sealed chunk · sealed header · header length (uint32 BE)
 *   header = JSON [[chunk id, offset, length], …], sealed under `pack:<pack id>`
 *
 * The header makes a pack self-describing: the index (pack-index.ts) is what readers
 * use, but the chunks of a pack can be found again from the pack alone.
 */
import { randomBytes } from 'node:crypto';
import { sealSync } from './codec.ts';

export const PACK_PREFIX = 'packs/';
/**
 * Default size a pack is closed at (it may exceed it by one chunk). 8 MiB: a few hundred
 * objects per GiB stored, and at most ~2 packs of sealed data held per backup (16 MiB
 * packs ran no faster and held ~10 MiB more).
 */
export const DEFAULT_PACK_BYTES = 8 * 1024 * 1024;

/** Where a chunk lies: its pack and its sealed bytes' place in it. */
export interface ChunkLocation {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

/** One entry of a pack header: chunk id, offset, sealed length. */
export type PackEntry = readonly [id: string, offset: number, length: number];

export function newPackId(): string {
  return randomBytes(16).toString('hex');
}

export function packKey(packId: string): string {
  return `${PACK_PREFIX}${packId.slice(0, 2)}/${packId}`;
}

/** The pack id of a pack key, or undefined for foreign objects. */
export function packIdOfKey(key: string): string | undefined {
  const id = key.slice(key.lastIndexOf('/') + 1);
  return key.startsWith(PACK_PREFIX) && /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

export function packHeaderContext(packId: string): string {
  return `pack:${packId}`;
}

/** The pack's tail: its sealed header and the header's length. */
export function packTrailer(
  packId: string,
  entries: readonly PackEntry[],
  key: Buffer | undefined,
): Buffer[] {
  const header = sealSync(Buffer.from(JSON.stringify(entries), 'utf8'), {
    key,
    level: 3,
    context: packHeaderContext(packId),
  });
  const size = Buffer.alloc(4);
  size.writeUInt32BE(header.size);
  return [...header.parts, size];
}
