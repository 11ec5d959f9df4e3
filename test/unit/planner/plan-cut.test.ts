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
// What the real adapters allow: MongoDB on FerretDB (probe) and Cassandra can neither fence nor pin.
const realCaps = (engine: EngineKind, ferretdb = true): AdapterCapabilities => ({
  strategies: ['logical'],
  fence: engine === 'postgres' || engine === 'mysql' || (engine === 'mongodb' && !ferretdb),
  pinSnapshot: engine === 'postgres' || engine === 'mysql',
});
const describeCut = (
  members: readonly { name: string; fence: boolean; capture: string; guarantee: string }[],
) => members.map((c) => `${c.name} ${c.fence ? 'fence+' : ''}${c.capture} ${c.guarantee}`);
const workloadsOf = (members: readonly string[]) =>
  members.map((m) => {
    const [name = '', engine = 'postgres'] = m.split(':');
    return aWorkload(name, engine as EngineKind).build();
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
    const cut = planCut(workloadsOf(members), (w) => caps(w.engine as EngineKind));
    expect(cut.members.map((c) => `${c.name} ${c.fence ? 'fence' : 'pin'} ${c.guarantee}`)).toEqual(expected);
  });

  it.each([
    [
      'FerretDB: every pinned member fenced, FerretDB read inside the window, unfenced',
      ['events:mongodb', 'a:postgres', 'b:mysql'],
      true,
      ['a fence+pin causal', 'b fence+pin causal', 'events in-window causal-in-window'],
    ],
    [
      'MongoDB with fsyncLock: fenced during its own capture, so causal',
      ['a:postgres', 'events:mongodb'],
      false,
      ['a fence+pin causal', 'events fence+in-window causal'],
    ],
    [
      'FerretDB and Cassandra: both read inside the window, each causal with the fenced ones only',
      ['c:cassandra', 'a:postgres', 'm:mongodb'],
      true,
      ['a fence+pin causal', 'c in-window causal-in-window', 'm in-window causal-in-window'],
    ],
    [
      'nothing fenced: no window to be causal with',
      ['c:cassandra', 'm:mongodb'],
      true,
      ['c in-window unpinned', 'm in-window unpinned'],
    ],
  ])('members that cannot pin: %s', (_name, members, ferretdb, expected) => {
    const cut = planCut(workloadsOf(members), (w) => realCaps(w.engine as EngineKind, ferretdb));
    expect(describeCut(cut.members)).toEqual(expected);
  });
});
