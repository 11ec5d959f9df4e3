/**
 * Exactly-once across a crash, with the real CLI: `node engine/cli/main.ts controller` runs
 * as a child process and is killed with SIGKILL while a Backup is Running (held there by a
 * test transaction's ACCESS EXCLUSIVE lock on the table the dump must read). A second
 * instance then takes the Lease, marks that Backup Failed/ControllerRestarted (never runs
 * it again), the repository holds no committed backup of it, and a NEW Backup succeeds.
 * SIGTERM stops the second instance cleanly and hands the Lease back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';
import { pgConnect } from '../../_support/sql.ts';
import { conditionOf, Fixture } from './_fixture.ts';

const MAIN = join(import.meta.dirname, '../../../engine/cli/main.ts');

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startCli(fx: Fixture, identity: string): Running {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'controller',
      '--kubeconfig',
      fx.kubeconfig,
      '--namespace',
      fx.namespace,
      '--identity',
      identity,
      '--leader-election-namespace',
      fx.namespace,
      '--cluster-name',
      'restart-test',
      '--metrics-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  return { child, output: () => out, exited };
}

/** Holds the orders table so a Backup stays Running until the test lets go (ROLLBACK). */
async function lockOrders(fx: Fixture): Promise<pg.Client> {
  const client = await pgConnect(fx.postgres, fx.database);
  await client.query('BEGIN');
  await client.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
  return client;
}

describe('controller restart in the middle of a Backup', () => {
  let fx: Fixture;
  let work = '';
  let locker: pg.Client | undefined;
  const children: Running[] = [];

  beforeAll(async () => {
    const [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-controller-restart-'));
    fx = new Fixture(kube.kubeconfig, postgres, 'lb-restart', join(work, 'repo'));
    await fx.setUp();
  }, 300_000);

  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await locker?.end().catch(() => undefined);
    await fx.tearDown();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('fails the interrupted Backup with ControllerRestarted, commits nothing of it, and runs a new one', async () => {
    // Hold the table so the backup stays Running until the controller is killed.
    locker = await lockOrders(fx);

    const first = startCli(fx, 'first-instance');
    children.push(first);
    await fx.create('Backup', 'interrupted', { repository: 'repo' });
    const running = await fx.waitFor(
      'Backup',
      'interrupted',
      (cr) => cr.status?.phase === 'Running' || first.child.exitCode !== null,
      90_000,
    );
    expect(running.status?.phase, first.output()).toBe('Running');
    expect(running.status?.runner?.identity).toBe('first-instance');
    // Let it get as far as it can (repository opened, backup writer started, dump waiting).
    await new Promise((r) => setTimeout(r, 1500));
    first.child.kill('SIGKILL');
    await first.exited;
    await locker.query('ROLLBACK');
    await locker.end();
    locker = undefined;
    // Still Running: nobody is left to say otherwise.
    expect((await fx.get('Backup', 'interrupted')).status?.phase).toBe('Running');

    const second = startCli(fx, 'second-instance');
    children.push(second);
    // The killed leader's Lease must expire first (15 s) before the second may act.
    const failed = await fx.waitFor('Backup', 'interrupted', (cr) => cr.status?.phase !== 'Running', 90_000);
    expect(failed.status?.phase, second.output()).toBe('Failed');
    const condition = conditionOf(failed, 'Failed');
    expect(condition).toMatchObject({ status: 'True', reason: 'ControllerRestarted' });
    expect(condition?.message).toContain('first-instance');
    expect(failed.status?.runner?.identity).toBe('first-instance');
    expect(await fx.eventReasons('Backup', 'interrupted', 'ControllerRestarted')).toContain(
      'ControllerRestarted',
    );
    // The repository was initialised by the first run, but holds no backup of it.
    const repository = await fx.openRepository();
    expect(await repository.list()).toEqual([]);

    await fx.create('Backup', 'after-restart', { repository: 'repo' });
    const after = await fx.finished('Backup', 'after-restart', 90_000);
    expect(after.status?.phase, second.output()).toBe('Succeeded');
    expect(after.status?.runner?.identity).toBe('second-instance');
    expect((await repository.list()).map((b) => b.backupId)).toEqual([after.status?.backupId]);
    // Never run twice: the interrupted one stays Failed.
    expect((await fx.get('Backup', 'interrupted')).status?.phase).toBe('Failed');

    // SIGTERM: clean stop, Lease handed back.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const lease = await fx.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: fx.namespace, name: 'lifeboat-controller' });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    expect(second.output()).toContain('released leadership');
  }, 300_000);

  it('on SIGTERM aborts the running Backup, records it as Interrupted and exits cleanly', async () => {
    const repository = await fx.openRepository();
    const before = await repository.list();
    locker = await lockOrders(fx);
    const third = startCli(fx, 'third-instance');
    children.push(third);
    await fx.create('Backup', 'terminated', { repository: 'repo' });
    const running = await fx.waitFor(
      'Backup',
      'terminated',
      (cr) => cr.status?.phase === 'Running' || third.child.exitCode !== null,
      90_000,
    );
    expect(running.status?.runner?.identity, third.output()).toBe('third-instance');
    await new Promise((r) => setTimeout(r, 1000));
    const signalled = Date.now();
    third.child.kill('SIGTERM');
    // The abort is signalled at once; should a blocked dump outlive it on a loaded machine, the
    // lock goes after a few seconds so the process is never left waiting on the test.
    await Promise.race([third.exited, new Promise((r) => setTimeout(r, 5000))]);
    await locker.query('ROLLBACK');
    await locker.end();
    locker = undefined;
    expect(await third.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(60_000);
    const cr = await fx.get('Backup', 'terminated');
    expect(cr.status?.phase, third.output()).toBe('Failed');
    expect(conditionOf(cr, 'Failed')).toMatchObject({ status: 'True', reason: 'Interrupted' });
    expect(await repository.list()).toEqual(before);
  }, 300_000);
});
