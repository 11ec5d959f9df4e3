import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestServer } from './types.ts';
import { notInstalled } from './errors.ts';
import {
  CACHE_BIN,
  CACHE_DIR,
  freePorts,
  removeDir,
  secondsSince,
  serverDir,
  startProcess,
  waitUntil,
  withCleanup,
} from './_process.ts';

/** The plain data needed to talk to an S3 endpoint (survives the broker's JSON). */
export interface S3Endpoint {
  /** `http://127.0.0.1:<port>`: path-style addressing. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

/** An S3 server (MinIO, single drive) enforcing versioning and Object Lock. */
export interface S3Server extends TestServer, S3Endpoint {
  /** A bucket created at start with Object Lock enabled (hence versioned). */
  readonly lockedBucket: string;
  /** A bucket created at start without Object Lock. */
  readonly bucket: string;
}

/**
 * Environment variable naming an existing S3 endpoint with Object Lock support:
 * `http://ACCESS_KEY:SECRET_KEY@host:port/?region=us-east-1`.
 */
export const S3_URL_ENV = 'LIFEBOAT_TEST_S3_URL';

/** An S3 client for the endpoint (path-style, static credentials). */
export function s3Client(s3: S3Endpoint): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

/**
 * Creates a bucket, with Object Lock (and so versioning) when `objectLock` is set; a
 * unique name is generated from `prefix` when `name` is not given. Returns the name.
 */
export async function createS3Bucket(
  s3: S3Endpoint,
  options: { name?: string; prefix?: string; objectLock?: boolean } = {},
): Promise<string> {
  const name = options.name ?? `${options.prefix ?? 'test'}-${randomBytes(6).toString('hex')}`;
  const client = s3Client(s3);
  try {
    await client.send(
      new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: options.objectLock === true }),
    );
  } finally {
    client.destroy();
  }
  return name;
}

async function minioVersion(): Promise<string> {
  // `go install` builds report DEVELOPMENT.GOGET; the installer's stamp holds the module version.
  try {
    return (await readFile(join(CACHE_DIR, 'stamps', 'minio'), 'utf8')).trim().replace(/^v/, '');
  } catch {
    return 'unknown';
  }
}

/**
 * Starts a private MinIO server (single drive, its own directory) on a free loopback
 * port with random root credentials, or uses the endpoint in `LIFEBOAT_TEST_S3_URL`; in
 * both cases creates `lockedBucket` (Object Lock on) and `bucket` (plain).
 * @throws TestServerError naming `testcontainers/install minio` when MinIO is not installed.
 */
export async function startS3(options: { name?: string } = {}): Promise<S3Server> {
  const name = options.name ?? 's3';
  const t0 = performance.now();
  const fromEnv = process.env[S3_URL_ENV];
  if (fromEnv) return externalS3(name, fromEnv, t0);

  const minio = join(CACHE_BIN, 'minio');
  if (!existsSync(minio)) throw notInstalled(name, 'minio', 'minio', S3_URL_ENV);
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const [port = 0, consolePort = 0] = await freePorts(2);
    const endpoint: S3Endpoint = {
      endpoint: `http://127.0.0.1:${port}`,
      accessKeyId: `lifeboat${randomBytes(4).toString('hex')}`,
      secretAccessKey: randomBytes(20).toString('hex'),
      region: 'us-east-1',
    };
    const proc = await startProcess({
      command: minio,
      args: [
        'server',
        join(dir, 'data'),
        '--address',
        `127.0.0.1:${port}`,
        '--console-address',
        `127.0.0.1:${consolePort}`,
        '--quiet',
      ],
      env: {
        MINIO_ROOT_USER: endpoint.accessKeyId,
        MINIO_ROOT_PASSWORD: endpoint.secretAccessKey,
        MINIO_REGION: endpoint.region,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        HOME: dir,
      },
      logPath: join(dir, 'minio.log'),
      cwd: dir,
    });
    onFail(() => proc.stop('SIGKILL', 2_000));
    await waitUntil(name, proc, () => listBuckets(endpoint), 60_000);
    const lockedBucket = await createS3Bucket(endpoint, { prefix: 'locked', objectLock: true });
    const bucket = await createS3Bucket(endpoint, { prefix: 'plain' });
    let stopped = false;
    return {
      name,
      url: endpoint.endpoint,
      host: '127.0.0.1',
      port,
      version: await minioVersion(),
      dataDir: dir,
      logPath: proc.logPath,
      startSeconds: secondsSince(t0),
      external: false,
      ...endpoint,
      lockedBucket,
      bucket,
      async stop() {
        if (stopped) return;
        stopped = true;
        await proc.stop('SIGTERM');
        await removeDir(dir);
      },
    };
  });
}

async function listBuckets(s3: S3Endpoint): Promise<true> {
  const client = s3Client(s3);
  try {
    await client.send(new ListBucketsCommand({}));
    return true;
  } finally {
    client.destroy();
  }
}

async function externalS3(name: string, url: string, t0: number): Promise<S3Server> {
  const u = new URL(url);
  const endpoint: S3Endpoint = {
    endpoint: `${u.protocol}//${u.host}`,
    accessKeyId: decodeURIComponent(u.username),
    secretAccessKey: decodeURIComponent(u.password),
    region: u.searchParams.get('region') ?? 'us-east-1',
  };
  await listBuckets(endpoint);
  const lockedBucket = await createS3Bucket(endpoint, { prefix: 'locked', objectLock: true });
  const bucket = await createS3Bucket(endpoint, { prefix: 'plain' });
  return {
    name,
    url: endpoint.endpoint,
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    version: 'external',
    dataDir: '',
    logPath: '',
    startSeconds: secondsSince(t0),
    external: true,
    ...endpoint,
    lockedBucket,
    bucket,
    stop: () => Promise.resolve(),
  };
}
