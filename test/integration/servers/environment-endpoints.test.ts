import { afterEach, describe, expect, it } from 'vitest';
import {
  CASSANDRA_URL_ENV,
  KUBECONFIG_ENV,
  MARIADB_URL_ENV,
  MONGODB_URL_ENV,
  POSTGRES_URL_ENV,
  S3_URL_ENV,
  startCassandra,
  startFerretdb,
  startKube,
  startMariadb,
  startPostgres,
  startS3,
  useServer,
} from '../../../testcontainers/index.ts';

// The shared servers stand in for "a server someone else runs": pointing the variable at
// one must give a handle on it (external, stop leaves it alone) instead of a new server.
const saved: Record<string, string | undefined> = {};
function setEnv(name: string, value: string): void {
  saved[name] = process.env[name];
  process.env[name] = value;
}
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) Reflect.deleteProperty(process.env, k);
    else process.env[k] = v;
  }
});

describe('endpoints given by environment variables', () => {
  it('postgres and mariadb', async () => {
    const pg = await useServer('postgres');
    setEnv(POSTGRES_URL_ENV, pg.url);
    const viaEnv = await startPostgres();
    expect({
      external: viaEnv.external,
      port: viaEnv.port,
      version: viaEnv.version,
      password: viaEnv.password,
    }).toEqual({
      external: true,
      port: pg.port,
      version: pg.version,
      password: pg.password,
    });
    await viaEnv.stop();

    const my = await useServer('mariadb');
    setEnv(MARIADB_URL_ENV, my.url);
    const myEnv = await startMariadb();
    expect([myEnv.external, myEnv.port, myEnv.version]).toEqual([true, my.port, my.version]);
    await myEnv.stop();
    // stop() of an external handle leaves the server running.
    expect((await startMariadb()).version).toBe(my.version);
  });

  it('ferretdb, s3, cassandra and kube', async () => {
    const fd = await useServer('ferretdb');
    setEnv(MONGODB_URL_ENV, fd.url);
    expect((await startFerretdb()).external).toBe(true);

    const s3 = await useServer('s3');
    const u = new URL(s3.endpoint);
    u.username = s3.accessKeyId;
    u.password = s3.secretAccessKey;
    setEnv(S3_URL_ENV, `${u.toString()}?region=${s3.region}`);
    const s3Env = await startS3();
    expect([s3Env.external, s3Env.port, s3Env.endpoint]).toEqual([true, s3.port, s3.endpoint]);
    expect(s3Env.lockedBucket).not.toBe(s3.lockedBucket);

    const cs = await useServer('cassandra');
    setEnv(CASSANDRA_URL_ENV, cs.url);
    expect((await startCassandra()).version).toBe(cs.version);

    const kube = await useServer('kube');
    setEnv(KUBECONFIG_ENV, kube.kubeconfig);
    const kubeEnv = await startKube();
    expect([kubeEnv.external, kubeEnv.url, kubeEnv.version]).toEqual([true, kube.url, kube.version]);
  });
});
