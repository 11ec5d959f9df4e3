/**
 * The pure parts of `kubeExec`: how environment variables travel (a stdin preamble, never
 * argv), how the exit code is read from the exec status, and which pod a workload means.
 * The exec itself is tested through a real API server in test/integration/kube/kube-exec.test.ts.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../engine/errors.ts';
import { envPreamble, wrapCommand } from '../../../engine/functions/kube-exec.ts';
import { exitCodeOf } from '../../../engine/kube/pod-exec.ts';
import { pickRunningPod, podFromPrimaryHost, type PodLike } from '../../../engine/kube/workload-pod.ts';

const pod = (name: string, phase: string, labels: Record<string, string> = {}): PodLike => ({
  metadata: { name, labels },
  status: { phase },
});

describe('kubeExec environment preamble', () => {
  it('is NAME=value lines ended by an empty line, and none without variables', () => {
    expect(envPreamble({}, 'p')).toBeUndefined();
    expect(envPreamble({ A: '1', PGPASSWORD: 's3 cr=t' }, 'p')?.toString()).toBe(
      'A=1\nPGPASSWORD=s3 cr=t\n\n',
    );
  });

  it('refuses a value with a line break and a name that is not a variable name', () => {
    expect(() => envPreamble({ X: 'a\nb' }, 'dump')).toThrow(UsageError);
    expect(() => envPreamble({ X: 'a\nb' }, 'dump')).toThrow('the value of X contains a line break');
    expect(() => envPreamble({ 'A-B': '1' }, 'dump')).toThrow('"A-B" is not valid');
  });

  it('the sh wrapper reports its PID, exports the variables and hands the rest of stdin to the command untouched', async () => {
    const result = await execa(
      'sh',
      wrapCommand(['sh', '-c', 'printf "%s|%s|" "$A" "$B"; cat; echo "pid $$" >&2'], true).slice(1),
      {
        input: Buffer.concat([
          envPreamble({ A: 'x y', B: "it's $HOME" }, 'p') ?? Buffer.alloc(0),
          Buffer.from('line1\n\nline3'),
        ]),
      },
    );
    expect(result.stdout).toBe("x y|it's $HOME|line1\n\nline3");
    // The PID it reports is the command's own (exec keeps it).
    const [first, second] = result.stderr.split('\n');
    expect(first).toMatch(/^lifeboat-exec-pid=\d+$/);
    expect(second).toBe(`pid ${first?.split('=')[1] ?? ''}`);
  });

  it('without variables, the wrapper leaves stdin alone', async () => {
    const result = await execa('sh', wrapCommand(['cat'], false).slice(1), { input: '\nA=1\n' });
    expect(result.stdout).toBe('\nA=1');
  });
});

describe('exec status', () => {
  it('reads the exit code of a failed status, 0 on success', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toBe(3);
    expect(exitCodeOf({ status: 'Failure', message: 'internal error' })).toBeUndefined();
  });
});

describe('the pod of a workload', () => {
  const primary = (host: string) => ({ host, port: 5432, role: 'primary' as const, url: '' });
  it('is the StatefulSet pod its primary host names', () => {
    const owner = { kind: 'StatefulSet', name: 'pg', namespace: 'shop' };
    expect(podFromPrimaryHost({ primary: primary('pg-1.pg.shop.svc'), owner })).toBe('pg-1');
    expect(podFromPrimaryHost({ primary: primary('pg.shop.svc'), owner })).toBeUndefined();
    expect(podFromPrimaryHost({ primary: primary('pgx-0.pg.shop.svc'), owner })).toBeUndefined();
    expect(
      podFromPrimaryHost({ primary: primary('pg-0.pg.shop.svc'), owner: { ...owner, kind: 'Deployment' } }),
    ).toBeUndefined();
  });

  it('else a Running pod, one labelled primary first, then by name', () => {
    expect(
      pickRunningPod([pod('b', 'Running'), pod('a', 'Pending'), pod('c', 'Running')])?.metadata?.name,
    ).toBe('b');
    expect(
      pickRunningPod([pod('a', 'Running'), pod('b', 'Running', { 'spilo-role': 'master' })])?.metadata?.name,
    ).toBe('b');
    expect(pickRunningPod([pod('a', 'Failed')])).toBeUndefined();
  });
});
