import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import type { TestServer } from './types.ts';
import { notInstalled } from './errors.ts';
import { localServerFields } from './_local-server.ts';
import {
  CACHE_DIR,
  freePorts,
  secondsSince,
  serverDir,
  startProcess,
  waitUntil,
  withCleanup,
} from './_process.ts';

/** A single-node Cassandra with password authentication. */
export interface CassandraServer extends TestServer {
  readonly user: string;
  readonly password: string;
  /** The data centre name for the driver's `localDataCenter`. */
  readonly localDataCenter: string;
  /** JMX port for nodetool (`org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p <port>`); 0 if external. */
  readonly jmxPort: number;
  /** Classpath glob of the Cassandra jars (nodetool, sstable tools); '' if external. */
  readonly classpath: string;
}

/**
 * Environment variable naming an existing node:
 * `cassandra://user:pass@host:9042/?dc=datacenter1`.
 */
export const CASSANDRA_URL_ENV = 'LIFEBOAT_TEST_CASSANDRA_URL';

const LIB = join(CACHE_DIR, 'cassandra', 'lib');

// Cassandra's conf/jvm17-server.options (JPMS section): it reaches into JDK internals.
const JPMS = [
  '--add-exports java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
  '--add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports java.rmi/sun.rmi.server=ALL-UNNAMED',
  '--add-exports java.sql/java.sql=ALL-UNNAMED',
  '--add-exports java.base/java.lang.ref=ALL-UNNAMED',
  '--add-exports jdk.unsupported/sun.misc=ALL-UNNAMED',
  '--add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED',
  '--add-opens java.base/java.lang.module=ALL-UNNAMED',
  '--add-opens java.base/jdk.internal.loader=ALL-UNNAMED',
  '--add-opens java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens java.base/jdk.internal.reflect=ALL-UNNAMED',
  '--add-opens java.base/jdk.internal.math=ALL-UNNAMED',
  '--add-opens java.base/jdk.internal.module=ALL-UNNAMED',
  '--add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED',
  '--add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens java.base/java.io=ALL-UNNAMED',
  '--add-opens java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
  '--add-opens java.base/java.lang=ALL-UNNAMED',
  '--add-opens java.base/java.util=ALL-UNNAMED',
].flatMap((line) => line.split(' '));

function cassandraYaml(ports: { native: number; storage: number }): string {
  return [
    'cluster_name: lifeboat-test',
    'num_tokens: 1',
    'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
    'commitlog_sync: periodic',
    'commitlog_sync_period: 10000ms',
    'endpoint_snitch: SimpleSnitch',
    'listen_address: 127.0.0.1',
    'rpc_address: 127.0.0.1',
    `storage_port: ${ports.storage}`,
    `native_transport_port: ${ports.native}`,
    'authenticator: PasswordAuthenticator',
    'authorizer: CassandraAuthorizer',
    'role_manager: CassandraRoleManager',
    // Test data is throwaway: no snapshot on truncate/drop, small caches.
    'auto_snapshot: false',
    // No auth caches: a changed password or grant takes effect at once.
    'credentials_validity: 0ms',
    'roles_validity: 0ms',
    'permissions_validity: 0ms',
    'key_cache_size: 8MiB',
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: "127.0.0.1:${ports.storage}"`,
    '',
  ].join('\n');
}

const LOGBACK = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

async function connect(
  host: string,
  port: number,
  dc: string,
  user: string,
  password: string,
): Promise<{ client: cassandra.Client; version: string }> {
  const client = new cassandra.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: dc,
    credentials: { username: user, password },
    socketOptions: { connectTimeout: 5_000 },
  });
  try {
    await client.connect();
    const rs = await client.execute('SELECT release_version FROM system.local');
    return { client, version: String(rs.first().get('release_version')) };
  } catch (err) {
    await client.shutdown();
    throw err;
  }
}

/**
 * Starts a private single-node Cassandra 5 (jars from `testcontainers/install cassandra`,
 * JDK 17 `java` on PATH, 1 GiB heap) on free loopback ports, or uses
 * `LIFEBOAT_TEST_CASSANDRA_URL`. The superuser `cassandra` gets a random password.
 * Takes 15–60 s: share it (`useServer('cassandra')`).
 * @throws TestServerError naming `testcontainers/install cassandra` when the jars are missing.
 */
export async function startCassandra(options: { name?: string } = {}): Promise<CassandraServer> {
  const name = options.name ?? 'cassandra';
  const t0 = performance.now();
  const fromEnv = process.env[CASSANDRA_URL_ENV];
  if (fromEnv) {
    const u = new URL(fromEnv);
    const dc = u.searchParams.get('dc') ?? 'datacenter1';
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    const port = Number(u.port || 9042);
    const { client, version } = await connect(u.hostname, port, dc, user, password);
    await client.shutdown();
    return {
      name,
      url: fromEnv,
      host: u.hostname,
      port,
      version,
      user,
      password,
      localDataCenter: dc,
      jmxPort: 0,
      classpath: '',
      dataDir: '',
      logPath: '',
      startSeconds: secondsSince(t0),
      external: true,
      stop: () => Promise.resolve(),
    };
  }

  const jamm = existsSync(LIB) ? readdirSync(LIB).find((f) => /^jamm-.*\.jar$/.test(f)) : undefined;
  if (jamm === undefined) throw notInstalled(name, `Cassandra jars (${LIB})`, 'cassandra', CASSANDRA_URL_ENV);
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const [native = 0, storage = 0, jmx = 0] = await freePorts(3);
    await writeFile(join(dir, 'cassandra.yaml'), cassandraYaml({ native, storage }));
    await writeFile(join(dir, 'logback.xml'), LOGBACK);
    const classpath = `${LIB}/*`;
    const proc = await startProcess({
      command: 'java',
      args: [
        '-Xms1G',
        '-Xmx1G',
        '-XX:+UseG1GC',
        '-XX:+UseTLAB',
        '-XX:+PerfDisableSharedMem',
        '-XX:TieredStopAtLevel=1', // start-up matters more than peak speed for tests
        `-javaagent:${join(LIB, jamm)}`,
        '-Djdk.attach.allowAttachSelf=true',
        '-Dio.netty.tryReflectionSetAccessible=true',
        ...JPMS,
        `-Dcassandra.config=file://${join(dir, 'cassandra.yaml')}`,
        `-Dcassandra.storagedir=${join(dir, 'data')}`,
        `-Dcassandra.logdir=${dir}`,
        `-Dlogback.configurationFile=${join(dir, 'logback.xml')}`,
        '-Dcassandra-foreground=yes',
        `-Dcassandra.jmx.local.port=${jmx}`,
        '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        '-Dcassandra.ring_delay_ms=0',
        '-Dcassandra.superuser_setup_delay_ms=0',
        '-cp',
        classpath,
        'org.apache.cassandra.service.CassandraDaemon',
      ],
      logPath: join(dir, 'cassandra.log'),
      cwd: dir,
    });
    onFail(() => proc.stop('SIGKILL', 2_000));
    const password = randomBytes(16).toString('hex');
    // The default superuser appears shortly after the native port opens.
    const first = await waitUntil(
      name,
      proc,
      () => connect('127.0.0.1', native, 'datacenter1', 'cassandra', 'cassandra'),
      120_000,
    );
    try {
      // Roles take no bind markers; the password is hex, safe to inline.
      await first.client.execute(`ALTER ROLE cassandra WITH PASSWORD = '${password}'`);
    } finally {
      await first.client.shutdown();
    }
    return {
      ...localServerFields({
        name,
        url: `cassandra://cassandra:${password}@127.0.0.1:${native}/?dc=datacenter1`,
        dir,
        proc,
        t0,
        stopSignal: 'SIGTERM',
        stopTimeoutMs: 20_000,
      }),
      host: '127.0.0.1',
      port: native,
      version: first.version,
      user: 'cassandra',
      password,
      localDataCenter: 'datacenter1',
      jmxPort: jmx,
      classpath,
    };
  });
}
