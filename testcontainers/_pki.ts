/** Internal: the certificates and keys a test kube-apiserver needs, made with openssl. */
import { join } from 'node:path';
import { runTool } from './_process.ts';

export interface KubePki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

/**
 * A throwaway CA that signs the serving certificate (SAN 127.0.0.1, localhost) and an
 * admin client certificate in group `system:masters`, plus the service-account key pair.
 */
export async function makeKubePki(server: string, dir: string): Promise<KubePki> {
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): Promise<void> =>
    runTool(server, { command: 'openssl', args, logPath: f('openssl.log'), cwd: dir });
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  await openssl(
    'req',
    '-x509',
    ...key,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '7',
    '-subj',
    '/CN=lifeboat-test-ca',
  );
  const sign = async (name: string, subject: string, ext: string[]): Promise<void> => {
    await openssl(
      'req',
      ...key,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
      '-subj',
      subject,
      ...ext,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.crt`),
      '-days',
      '7',
      '-copy_extensions',
      'copy',
    );
  };
  await sign('apiserver', '/CN=kube-apiserver', ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  await sign('admin', '/O=system:masters/CN=lifeboat-admin', []);
  await openssl('genrsa', '-out', f('sa.key'), '2048');
  await openssl('rsa', '-in', f('sa.key'), '-pubout', '-out', f('sa.pub'));
  return {
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    serverCert: f('apiserver.crt'),
    serverKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
  };
}
