import { describe, expect, it } from 'vitest';
import { splitSecondaryIndexes } from '../../../adapters/mysql/deferred-indexes.ts';

const table = (inner: string[], tail = ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4'): string =>
  ['CREATE TABLE `t` (', inner.join(',\n'), tail].join('\n');

describe('splitSecondaryIndexes', () => {
  it('moves plain and unique keys into one ALTER TABLE', () => {
    const split = splitSecondaryIndexes(
      table([
        '  `id` int(11) NOT NULL AUTO_INCREMENT',
        '  `a` varchar(10) DEFAULT NULL',
        '  PRIMARY KEY (`id`)',
        '  UNIQUE KEY `uq_a` (`a`)',
        '  KEY `idx_a_id` (`a`,`id`)',
      ]),
    );
    expect(split?.table).toBe('t');
    expect(split?.create).toBe(
      table([
        '  `id` int(11) NOT NULL AUTO_INCREMENT',
        '  `a` varchar(10) DEFAULT NULL',
        '  PRIMARY KEY (`id`)',
      ]),
    );
    expect(split?.addIndexes).toBe(
      'ALTER TABLE `t` ADD UNIQUE KEY `uq_a` (`a`), ADD KEY `idx_a_id` (`a`,`id`)',
    );
  });

  it.each([
    [
      'a foreign key',
      [
        '  `p` int(11) DEFAULT NULL',
        '  KEY `p` (`p`)',
        '  CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `x` (`id`)',
      ],
    ],
    ['only FULLTEXT / SPATIAL keys', ['  `b` text', '  FULLTEXT KEY `ft` (`b`)']],
    [
      'the only key of a non-primary AUTO_INCREMENT column',
      [
        '  `k` int(11) NOT NULL',
        '  `s` int(11) NOT NULL AUTO_INCREMENT',
        '  PRIMARY KEY (`k`)',
        '  KEY `s` (`s`)',
      ],
    ],
    ['no secondary key at all', ['  `id` int(11) NOT NULL', '  PRIMARY KEY (`id`)']],
  ])('keeps the table unchanged with %s', (_what, inner) => {
    const sql = table(inner);
    expect(splitSecondaryIndexes(sql)).toEqual({ table: 't', create: sql, addIndexes: undefined });
  });

  it('keeps partitioned tables unchanged', () => {
    const sql = table(
      ['  `id` int(11) NOT NULL', '  KEY `i` (`id`)'],
      ') ENGINE=InnoDB\n PARTITION BY HASH (`id`)\nPARTITIONS 2',
    );
    expect(splitSecondaryIndexes(sql)?.addIndexes).toBeUndefined();
  });

  it('handles backquotes in names', () => {
    const split = splitSecondaryIndexes(
      'CREATE TABLE `we``ird` (\n  `a``b` int(11) DEFAULT NULL,\n  KEY `k``1` (`a``b`)\n) ENGINE=InnoDB',
    );
    expect(split?.table).toBe('we`ird');
    expect(split?.addIndexes).toBe('ALTER TABLE `we``ird` ADD KEY `k``1` (`a``b`)');
  });

  it('returns undefined for statements that are not CREATE TABLE', () => {
    expect(splitSecondaryIndexes('CREATE SEQUENCE s')).toBeUndefined();
  });
});
