/**
 * A local spool for a capture that runs inside the cut's fence window: writing plain files
 * is far cheaper than chunking, compressing, encrypting and uploading, so the window lasts
 * only as long as reading the member. The spool is stored in the repository after the
 * fences are released (`publish`), then deleted. Spooled bytes are encrypted with a key
 * that lives only in this process's memory (AES-256-GCM, one IV per file), so database
 * contents never sit in plain text on local disk.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactSink } from '../../adapters/types.ts';

interface Spooled {
  readonly name: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly file: string;
  readonly iv: Buffer;
  /** Set once the artifact is completely written. */
  tag?: Buffer;
}

export interface Spool {
  /** Where the capture writes; artifacts are kept in the order their `put` was called. */
  readonly sink: ArtifactSink;
  /** Store every spooled artifact into `target`, in order. */
  publish(target: ArtifactSink): Promise<void>;
  /** Delete the spool (idempotent). */
  dispose(): Promise<void>;
}

export async function openSpool(): Promise<Spool> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-spool-'));
  const key = randomBytes(32);
  const artifacts: Spooled[] = [];
  return {
    sink: {
      async put(name, data, meta = {}) {
        const entry: Spooled = {
          name,
          meta: { ...meta },
          file: join(dir, String(artifacts.length)),
          iv: randomBytes(12),
        };
        artifacts.push(entry);
        const cipher = createCipheriv('aes-256-gcm', key, entry.iv);
        let bytes = 0;
        const count = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            bytes += chunk.length;
            done(null, chunk);
          },
        });
        const source = data instanceof Readable ? data : Readable.from(data);
        await pipeline(source, count, cipher, createWriteStream(entry.file, { mode: 0o600 }));
        entry.tag = cipher.getAuthTag();
        return { bytes };
      },
    },
    async publish(target) {
      for (const entry of artifacts) {
        if (!entry.tag) throw new Error(`internal: spooled artifact ${entry.name} was never completed`);
        await target.put(entry.name, decrypt(entry.file, key, entry.iv, entry.tag), entry.meta);
        await rm(entry.file, { force: true });
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The plain bytes of one spooled file; throws at the end if they were altered. */
async function* decrypt(file: string, key: Buffer, iv: Buffer, tag: Buffer): AsyncGenerator<Buffer> {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  for await (const chunk of createReadStream(file)) {
    const plain = decipher.update(chunk as Buffer);
    if (plain.length > 0) yield plain;
  }
  const last = decipher.final();
  if (last.length > 0) yield last;
}
