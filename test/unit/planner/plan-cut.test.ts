import { describe, expect, it } from 'vitest';
import type { AdapterCapabilities } from '../../../adapters/types.ts';
import type { EngineKind } from '../../../engine/model/index.ts';
import { planCut } from '../../../engine/planner/index.ts';
import { aWorkload } from '../functions/fakes.ts';

const fenceBy: Record<EngineKind, boolean> = { postgres: true, mysql: true, mongodb: true, cassandra: false };
const caps = (engine: EngineKind): AdapterCapabilities => ({
  strategies: ['logical'],
  fence: fenceBy[engine],
  pinSnapshot: true,
});

describe('planCut', () => {
  it.each([
    ['one member: pinned, never fenced', ['pg:postgres'], ['pg pin causal']],
    [
      'two fenceable: the last is not fenced',
      ['pg:postgres', 'my:mysql'],
      ['pg fence causal', 'my pin causal'],
    ],
    [
      'an unfenceable member goes last and needs no fence',
      ['cass:cassandra', 'pg:postgres', 'my:mysql'],
      ['pg fence causal', 'my fence causal', 'cass pin causal'],
    ],
    [
      'two unfenceable: only the last keeps causality',
      ['c1:cassandra', 'pg:postgres', 'c2:cassandra'],
      ['pg fence causal', 'c1 pin snapshot-only', 'c2 pin causal'],
    ],
  ])('%s', (_name, members, expected) => {
    const workloads = members.map((m) => {
      const [name = '', engine = 'postgres'] = m.split(':');
      return aWorkload(name, engine as EngineKind).build();
    });
    const cut = planCut(workloads, (w) => caps(w.engine));
    expect(cut.members.map((c) => `${c.name} ${c.fence ? 'fence' : 'pin'} ${c.guarantee}`)).toEqual(expected);
  });
});
