import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { TestServer } from './types.ts';
import { notInstalled } from './errors.ts';
import { makeKubePki } from './_pki.ts';
import { localServerFields } from './_local-server.ts';
import {
  CACHE_BIN,
  freePorts,
  secondsSince,
  serverDir,
  startProcess,
  waitUntil,
  withCleanup,
} from './_process.ts';

/**
 * A Kubernetes API server (kube-apiserver + etcd, no kubelet/controllers: pods never
 * run), with RBAC authorization, started as controller-runtime's envtest does.
 */
export interface KubeServer extends TestServer {
  /** A kubeconfig (client certificate in `system:masters`) for kubectl and @kubernetes/client-node. */
  readonly kubeconfig: string;
  /** Bearer token of the same admin identity, for raw HTTPS calls. */
  readonly adminToken: string;
  /** PEM file of the CA that signed the serving certificate. */
  readonly caCertPath: string;
  /**
   * Key of that CA ('' if external): `startNodeAgent` signs a kubelet serving certificate
   * with it, which the API server checks (`--kubelet-certificate-authority`).
   */
  readonly caKeyPath: string;
  /** `http://127.0.0.1:<port>` of the private etcd; '' if external. */
  readonly etcdUrl: string;
}

/** Environment variable naming the kubeconfig of an existing (test) cluster. */
export const KUBECONFIG_ENV = 'LIFEBOAT_TEST_KUBECONFIG';

interface Tls {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
}

/** GET `path` on the API server; resolves with status and body. */
function get(base: string, path: string, tls: Tls): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        ca: tls.ca,
        ...(tls.cert ? { cert: tls.cert } : {}),
        ...(tls.key ? { key: tls.key } : {}),
        headers: tls.token ? { authorization: `Bearer ${tls.token}` } : {},
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function kubeVersion(base: string, tls: Tls): Promise<string> {
  const res = await get(base, '/version', tls);
  const v = (JSON.parse(res.body) as { gitVersion?: string }).gitVersion ?? 'unknown';
  return v.replace(/^v/, '');
}

/**
 * Starts a private etcd and kube-apiserver on free loopback ports (binaries from
 * `testcontainers/install etcd kube-apiserver`), waits until it is ready and the
 * `default` namespace exists, and writes a kubeconfig. With `LIFEBOAT_TEST_KUBECONFIG`
 * set, uses that cluster instead (its current context).
 * @throws TestServerError naming the install command when a binary is missing.
 */
export async function startKube(options: { name?: string } = {}): Promise<KubeServer> {
  const name = options.name ?? 'kube';
  const t0 = performance.now();
  const fromEnv = process.env[KUBECONFIG_ENV];
  if (fromEnv) return externalKube(name, fromEnv, t0);

  const etcd = join(CACHE_BIN, 'etcd');
  const apiserver = join(CACHE_BIN, 'kube-apiserver');
  if (!existsSync(etcd)) throw notInstalled(name, 'etcd', 'etcd', KUBECONFIG_ENV);
  if (!existsSync(apiserver)) throw notInstalled(name, 'kube-apiserver', 'kube-apiserver', KUBECONFIG_ENV);
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const [etcdPort = 0, peerPort = 0, port = 0] = await freePorts(3);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcdProc = await startProcess({
      command: etcd,
      args: [
        '--name=default',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync', // throwaway data
        '--log-level=warn',
      ],
      logPath: join(dir, 'etcd.log'),
      cwd: dir,
    });
    onFail(() => etcdProc.stop('SIGKILL', 2_000));
    const pki = await makeKubePki(name, dir);
    await waitUntil(
      name,
      etcdProc,
      async () => {
        const res = await fetch(`${etcdUrl}/health`);
        return res.ok ? true : undefined;
      },
      30_000,
    );

    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(tokenFile, `${adminToken},lifeboat-admin,lifeboat-admin,"system:masters"\n`, {
      mode: 0o600,
    });
    const base = `https://127.0.0.1:${port}`;
    const proc = await startProcess({
      command: apiserver,
      args: [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${tokenFile}`,
        `--secure-port=${port}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--authorization-mode=RBAC',
        `--service-account-issuer=${base}/`,
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        // No controller-manager creates `default` service accounts, so pods could never
        // be admitted with this plugin on.
        '--disable-admission-plugins=ServiceAccount',
        '--enable-priority-and-fairness=false',
        // For a kubelet started later (`startNodeAgent`): the API server authenticates to it
        // with the admin certificate and verifies its serving certificate with the same CA.
        `--kubelet-client-certificate=${pki.adminCert}`,
        `--kubelet-client-key=${pki.adminKey}`,
        `--kubelet-certificate-authority=${pki.caCert}`,
        '--kubelet-preferred-address-types=InternalIP',
        '--v=0',
      ],
      logPath: join(dir, 'kube-apiserver.log'),
      cwd: dir,
    });
    onFail(() => proc.stop('SIGKILL', 2_000));
    const tls: Tls = {
      ca: await readFile(pki.caCert),
      cert: await readFile(pki.adminCert),
      key: await readFile(pki.adminKey),
    };
    await waitUntil(
      name,
      proc,
      async () => {
        const ready = await get(base, '/readyz', tls);
        if (ready.status !== 200) throw new Error(`readyz ${ready.status}: ${ready.body.slice(0, 200)}`);
        // The `default` namespace is created by a bootstrap controller after readyz.
        const ns = await get(base, '/api/v1/namespaces/default', tls);
        return ns.status === 200 ? true : undefined;
      },
      90_000,
    );
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'lifeboat-test',
            cluster: { server: base, 'certificate-authority-data': tls.ca.toString('base64') },
          },
        ],
        users: [
          {
            name: 'lifeboat-admin',
            user: {
              'client-certificate-data': tls.cert?.toString('base64'),
              'client-key-data': tls.key?.toString('base64'),
            },
          },
        ],
        contexts: [{ name: 'lifeboat-test', context: { cluster: 'lifeboat-test', user: 'lifeboat-admin' } }],
        'current-context': 'lifeboat-test',
      }),
      { mode: 0o600 },
    );
    const version = await kubeVersion(base, tls);
    return {
      ...localServerFields({
        name,
        url: base,
        dir,
        proc,
        t0,
        stopSignal: 'SIGTERM',
        stopTimeoutMs: 10_000,
        stopAfter: () => etcdProc.stop('SIGTERM', 5_000),
      }),
      host: '127.0.0.1',
      port,
      version,
      kubeconfig,
      adminToken,
      caCertPath: pki.caCert,
      caKeyPath: pki.caKey,
      etcdUrl,
    };
  });
}

async function externalKube(name: string, kubeconfig: string, t0: number): Promise<KubeServer> {
  // Imported lazily: the client library is heavy and only this path needs it.
  const { KubeConfig, VersionApi } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${KUBECONFIG_ENV}: no current cluster in ${kubeconfig}`);
  const info = await kc.makeApiClient(VersionApi).getCode();
  const u = new URL(cluster.server);
  return {
    name,
    url: cluster.server,
    host: u.hostname,
    port: Number(u.port || 443),
    version: info.gitVersion.replace(/^v/, ''),
    kubeconfig,
    adminToken: kc.getCurrentUser()?.token ?? '',
    caCertPath: cluster.caFile ?? '',
    caKeyPath: '',
    etcdUrl: '',
    dataDir: '',
    logPath: '',
    startSeconds: secondsSince(t0),
    external: true,
    stop: () => Promise.resolve(),
  };
}
