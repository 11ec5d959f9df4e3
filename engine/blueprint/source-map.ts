/** Maps a key path in a parsed YAML document back to its line and column. */
import { isMap, isScalar, isSeq, Scalar, type Document, type LineCounter } from 'yaml';
import type { PathSegment } from './template/ast.ts';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Where a string scalar's text starts: the column after a quote for quoted scalars. */
export interface ScalarPosition extends SourcePosition {
  /** True when the text begins on `line` and continues without line breaks or escapes. */
  readonly inline: boolean;
}

export class SourceMap {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /** Position of an absolute offset in the file. */
  at(offset: number): SourcePosition {
    const pos = this.#lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  /**
   * Position of the value at `path`, or of the nearest existing ancestor when the path
   * does not exist. With `key`, the position of the map key itself (for unknown fields).
   */
  locate(path: readonly PathSegment[], options: { key?: boolean } = {}): SourcePosition {
    return this.at(this.#find(path, options.key ?? false)?.range?.[0] ?? 0);
  }

  /** Position of the text of the string scalar at `path`, for pointing into templates. */
  scalar(path: readonly PathSegment[]): ScalarPosition {
    const node = this.#find(path, false);
    const start = node?.range?.[0] ?? 0;
    if (isScalar(node)) {
      const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
      const plain = node.type === Scalar.PLAIN;
      const text = typeof node.value === 'string' ? node.value : '';
      const pos = this.at(start + (quoted ? 1 : 0));
      return { ...pos, inline: (plain || quoted) && !text.includes('\n') && !text.includes('\\') };
    }
    return { ...this.at(start), inline: false };
  }

  #find(
    path: readonly PathSegment[],
    wantKey: boolean,
  ): { range?: [number, number, number] | null } | undefined {
    let node: unknown = this.#doc.contents;
    let best = node as { range?: [number, number, number] | null } | undefined;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const key = pair.key as Scalar;
        if (last && wantKey) return key;
        node = pair.value ?? key;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined || item === null) break;
        node = item;
      } else {
        break;
      }
      best = node as typeof best;
    }
    return best;
  }
}
