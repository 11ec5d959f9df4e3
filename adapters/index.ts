/**
 * The explicit list of database adapters. Add one line per adapter; a duplicate engine
 * name throws when this module loads.
 */
import type { EngineKind } from '../engine/model/index.ts';
import { cassandraAdapter } from './cassandra/index.ts';
import { mongodbAdapter } from './mongodb/index.ts';
import { mysqlAdapter } from './mysql/index.ts';
import { postgresAdapter } from './postgres/index.ts';
import type { DatabaseAdapter } from './types.ts';

const ADAPTERS: readonly DatabaseAdapter[] = [
  postgresAdapter,
  mysqlAdapter,
  mongodbAdapter,
  cassandraAdapter,
];

function byEngine(list: readonly DatabaseAdapter[]): ReadonlyMap<EngineKind, DatabaseAdapter> {
  const map = new Map<EngineKind, DatabaseAdapter>();
  for (const adapter of list) {
    if (map.has(adapter.engine)) throw new Error(`duplicate adapter for engine "${adapter.engine}"`);
    map.set(adapter.engine, adapter);
  }
  return map;
}

/** Registered adapters by engine. */
export const adapters: ReadonlyMap<EngineKind, DatabaseAdapter> = byEngine(ADAPTERS);

/** The adapter for `engine`, or undefined when none is registered. */
export function adapterFor(engine: EngineKind): DatabaseAdapter | undefined {
  return adapters.get(engine);
}

export type { DatabaseAdapter } from './types.ts';
