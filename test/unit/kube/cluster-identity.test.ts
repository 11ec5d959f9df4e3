import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../engine/errors.ts';
import { checkClusterName, resolveClusterIdentity } from '../../../engine/kube/cluster-identity.ts';

const UID = '6d1c7f0e-3c1b-4c55-9f57-2b1f9d1e8a01';

describe('resolveClusterIdentity', () => {
  it('prefers the flag, then LIFEBOAT_CLUSTER, then the kube-system uid', async () => {
    const kubeSystemUid = () => Promise.resolve(UID);
    const env = { LIFEBOAT_CLUSTER: 'from-env' };
    expect(await resolveClusterIdentity({ flag: 'east', env, kubeSystemUid })).toEqual({
      name: 'east',
      from: 'flag',
    });
    expect(await resolveClusterIdentity({ env, kubeSystemUid })).toEqual({ name: 'from-env', from: 'env' });
    expect(await resolveClusterIdentity({ env: { LIFEBOAT_CLUSTER: '' }, kubeSystemUid })).toEqual({
      name: UID,
      from: 'kube-system',
    });
  });

  it('falls back to "default" and says why when kube-system cannot be read', async () => {
    const denied = await resolveClusterIdentity({
      env: {},
      kubeSystemUid: () => Promise.reject(new Error('HTTP 403 forbidden')),
    });
    expect(denied).toMatchObject({ name: 'default', from: 'default' });
    expect(denied.problem).toMatch(/403 forbidden/);
    expect(await resolveClusterIdentity({ env: {} })).toMatchObject({ name: 'default', from: 'default' });
    expect(
      await resolveClusterIdentity({ env: {}, kubeSystemUid: () => Promise.resolve(undefined) }),
    ).toMatchObject({ name: 'default' });
  });

  it('refuses names that cannot be label values', async () => {
    await expect(resolveClusterIdentity({ flag: 'has space', env: {} })).rejects.toThrow(UsageError);
    await expect(resolveClusterIdentity({ env: { LIFEBOAT_CLUSTER: '-x' } })).rejects.toThrow(
      /LIFEBOAT_CLUSTER/,
    );
    expect(() => checkClusterName('a'.repeat(64), '--cluster')).toThrow(/1-63/);
    expect(checkClusterName('prod.eu-west_1', '--cluster')).toBe('prod.eu-west_1');
  });
});
