import { describe, expect, it } from 'vitest';
import { columnKind, encodeRow, escapeBytes, quoteIdent } from '../../../adapters/mysql/sql-literal.ts';

describe('columnKind', () => {
  it.each([
    ['int', 'number'],
    ['DECIMAL', 'number'],
    ['year', 'number'],
    ['double', 'number'],
    ['bit', 'binary'],
    ['longblob', 'binary'],
    ['varbinary', 'binary'],
    ['point', 'binary'],
    ['varchar', 'text'],
    ['json', 'text'],
    ['enum', 'text'],
    ['set', 'text'],
    ['timestamp', 'text'],
    ['uuid', 'text'],
  ])('%s → %s', (type, kind) => {
    expect(columnKind(type)).toBe(kind);
  });
});

describe('escapeBytes', () => {
  it.each([
    ['plain', 'plain'],
    ["it's", "it\\'s"],
    ['a\\b', 'a\\\\b'],
    ['line\nbreak\r', 'line\\nbreak\\r'],
    ['nul\0ctrlz\x1a', 'nul\\0ctrlz\\Z'],
    ['🚀 ü', '🚀 ü'],
  ])('%j', (input, expected) => {
    expect(escapeBytes(Buffer.from(input)).toString()).toBe(expected);
  });

  it('never leaves a raw newline', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(escapeBytes(all).includes(0x0a)).toBe(false);
  });
});

describe('encodeRow', () => {
  it('writes NULL, raw numbers, hex binaries and quoted text', () => {
    const row = encodeRow(
      [null, Buffer.from('-12.500'), Buffer.from([0x00, 0xff]), Buffer.from("a'b"), Buffer.alloc(0)],
      ['text', 'number', 'binary', 'text', 'binary'],
    );
    expect(row.toString()).toBe("(NULL,-12.500,X'00ff','a\\'b',X'')");
  });

  it('distinguishes NULL from the string NULL and empty text', () => {
    const kinds = ['text'] as const;
    const a = encodeRow([null], kinds).toString();
    const b = encodeRow([Buffer.from('NULL')], kinds).toString();
    const c = encodeRow([Buffer.alloc(0)], kinds).toString();
    expect(new Set([a, b, c]).size).toBe(3);
  });
});

describe('quoteIdent', () => {
  it.each([
    ['t', '`t`'],
    ['odd`name', '`odd``name`'],
    ['with space/slash', '`with space/slash`'],
  ])('%s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });
});
