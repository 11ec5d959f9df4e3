import { describe, expect, it } from 'vitest';
import { loadBuiltinBlueprints, renderAction } from '../../../engine/blueprint/index.ts';
import { buildRegistry } from '../../../engine/functions/index.ts';
import { aWorkload, fakeAdapters } from '../functions/fakes.ts';

describe('renderAction', () => {
  it('renders every phase for a workload, with placeholders for outputs not known yet', async () => {
    const registry = buildRegistry(fakeAdapters());
    const postgres = (await loadBuiltinBlueprints({ registry })).find(
      (b) => b.blueprint.spec.engine === 'postgres',
    );
    if (!postgres) throw new Error('no postgres blueprint');
    const rendered = renderAction({
      blueprint: postgres.blueprint,
      action: 'backup',
      workload: aWorkload('orders').build(),
      backup: { id: 'b1', startedAt: 'now', strategy: 'freeze-snapshot' },
      options: { parallelism: 2, force: false, rename: {}, freezeDeadline: '15s', params: {} },
      registry,
    });
    expect(rendered).toEqual([
      { name: 'probe', func: 'postgres.probe', defer: false, runs: true, args: {} },
      { name: 'volumes', func: 'kube.prepareVolumeSnapshots', defer: false, runs: true, args: {} },
      {
        name: 'backupStart',
        func: 'postgres.backupStart',
        defer: false,
        runs: true,
        args: { label: 'b1', deadline: '15s' },
      },
      { name: 'freeze', func: 'postgres.freeze', defer: false, runs: true, args: { deadline: '15s' } },
      { name: 'pin', func: 'postgres.pinSnapshot', defer: false, runs: true, args: {} },
      {
        name: 'snapshot',
        func: 'kube.snapshotVolumes',
        defer: false,
        runs: true,
        args: {
          volumes: '<phases.volumes.output.volumes>',
          backupId: 'b1',
          repository: null,
          deadline: '15s',
        },
      },
      {
        name: 'backupStop',
        func: 'postgres.backupStop',
        defer: false,
        runs: true,
        args: { session: '<phases.backupStart.output.session>' },
      },
      {
        name: 'release',
        func: 'postgres.thaw',
        defer: false,
        runs: true,
        args: { fence: '<phases.freeze.output.fence>' },
      },
      {
        name: 'record',
        func: 'postgres.recordVolumeSnapshot',
        defer: false,
        runs: true,
        args: {
          volumes: '<phases.volumes.output.volumes>',
          session: '<phases.backupStart.output.session>',
          snapshot: '<phases.pin.output.snapshot>',
          fenceWindowMs: '<phases.release.output.heldMs>',
        },
      },
      {
        name: 'dump',
        func: 'postgres.dump',
        defer: false,
        runs: false,
        args: { strategy: 'freeze-snapshot', parallelism: 2, snapshot: null },
      },
      {
        name: 'thaw',
        func: 'postgres.thaw',
        defer: true,
        runs: true,
        args: { fence: '<phases.freeze.output.fence>' },
      },
    ]);
  });
});
