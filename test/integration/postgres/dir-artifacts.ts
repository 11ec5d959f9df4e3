/**
 * Test helper: a directory-backed ArtifactSink/ArtifactSource. Streams each artifact to
 * a file (never whole in memory) and keeps the write order and meta in an index.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactSink, ArtifactSource } from '../../../adapters/types.ts';

interface Entry {
  readonly name: string;
  readonly bytes: number;
  readonly meta: Readonly<Record<string, string>>;
}

/** A sink and a source over the same directory. */
export class DirArtifacts implements ArtifactSink, ArtifactSource {
  readonly dir: string;
  readonly #entries: Entry[] = [];

  constructor(dir: string) {
    this.dir = dir;
  }

  async put(
    name: string,
    data: Readable | AsyncIterable<Uint8Array>,
    meta: Readonly<Record<string, string>> = {},
  ): Promise<{ readonly bytes: number }> {
    const file = join(this.dir, name);
    await mkdir(dirname(file), { recursive: true });
    let bytes = 0;
    const source = data instanceof Readable ? data : Readable.from(data);
    source.on('data', (chunk: Uint8Array) => {
      bytes += chunk.length;
    });
    await pipeline(source, createWriteStream(file));
    this.#entries.push({ name, bytes, meta });
    await writeFile(join(this.dir, 'index.json'), JSON.stringify(this.#entries));
    return { bytes };
  }

  async list(): Promise<readonly string[]> {
    return (await this.#index()).map((e) => e.name);
  }

  open(name: string): Readable {
    return createReadStream(join(this.dir, name));
  }

  async meta(name: string): Promise<Readonly<Record<string, string>>> {
    return (await this.#index()).find((e) => e.name === name)?.meta ?? {};
  }

  /** Total bytes stored. */
  get bytes(): number {
    return this.#entries.reduce((s, e) => s + e.bytes, 0);
  }

  async #index(): Promise<readonly Entry[]> {
    if (this.#entries.length > 0) return this.#entries;
    return JSON.parse(await readFile(join(this.dir, 'index.json'), 'utf8')) as Entry[];
  }
}
