import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestServerError } from './errors.ts';
import type { KubeServer } from './kube.ts';
import {
  CACHE_BIN,
  freePorts,
  removeDir,
  runTool,
  secondsSince,
  serverDir,
  startProcess,
  waitUntil,
  withCleanup,
} from './_process.ts';

/**
 * A node of the test cluster (`testcontainers/node-agent/`, built on virtual-kubelet): pods
 * bound to it (`spec.nodeName`) are reported Running on 127.0.0.1, and the API server's
 * `pods/exec` reaches its kubelet API, which runs the command as a local process in a
 * per-container working directory. No container isolation: it stands in for the runtime.
 */
export interface NodeAgent {
  /** Name of the Node object; pods set it as `spec.nodeName`. */
  readonly nodeName: string;
  /** Port of its kubelet API on 127.0.0.1. */
  readonly port: number;
  /** Root of the containers' working directories (`<ns>/<pod>/<container>`). */
  readonly workDir: string;
  readonly logPath: string;
  readonly startSeconds: number;
  /** Stops the agent (the Node object stays) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const BINARY = 'lifeboat-node-agent';

/**
 * Starts a node agent registered with `kube` (a private API server from `startKube`: the
 * agent's serving certificate is signed by its CA, which the API server verifies) and
 * resolves once the Node is Ready.
 * @throws TestServerError naming the install command when the binary is missing.
 */
export async function startNodeAgent(
  kube: Pick<KubeServer, 'kubeconfig' | 'caCertPath' | 'caKeyPath' | 'external'>,
  options: { name?: string; nodeName?: string } = {},
): Promise<NodeAgent> {
  const name = options.name ?? 'node-agent';
  const t0 = performance.now();
  const binary = join(CACHE_BIN, BINARY);
  if (!existsSync(binary))
    throw new TestServerError(
      name,
      `${BINARY} not found; build it with \`testcontainers/install node-agent\``,
    );
  if (kube.external || !kube.caKeyPath)
    throw new TestServerError(name, 'needs a private API server from startKube() (its CA signs the kubelet)');
  const nodeName = options.nodeName ?? `lifeboat-node-${randomBytes(3).toString('hex')}`;
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const f = (file: string): string => join(dir, file);
    const openssl = (...args: string[]): Promise<void> =>
      runTool(name, { command: 'openssl', args, logPath: f('openssl.log'), cwd: dir });
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('kubelet.key'),
      '-out',
      f('kubelet.csr'),
      '-subj',
      `/CN=system:node:${nodeName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      f('kubelet.csr'),
      '-CA',
      kube.caCertPath,
      '-CAkey',
      kube.caKeyPath,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-out',
      f('kubelet.crt'),
      '-days',
      '7',
      '-copy_extensions',
      'copy',
    );
    const [port = 0] = await freePorts(1);
    const proc = await startProcess({
      command: binary,
      args: [
        `-kubeconfig=${kube.kubeconfig}`,
        `-node-name=${nodeName}`,
        `-port=${port}`,
        `-tls-cert=${f('kubelet.crt')}`,
        `-tls-key=${f('kubelet.key')}`,
        `-client-ca=${kube.caCertPath}`,
        `-work-dir=${f('containers')}`,
      ],
      logPath: f('node-agent.log'),
      cwd: dir,
    });
    onFail(() => proc.stop('SIGKILL', 2_000));
    await waitUntil(
      name,
      proc,
      async () =>
        (await readFile(proc.logPath, 'utf8')).includes(`node ${nodeName} ready`) ? true : undefined,
      90_000,
    );
    let stopped = false;
    return {
      nodeName,
      port,
      workDir: f('containers'),
      logPath: proc.logPath,
      startSeconds: secondsSince(t0),
      async stop() {
        if (stopped) return;
        stopped = true;
        await proc.stop('SIGTERM', 5_000);
        await removeDir(dir);
      },
    };
  });
}
