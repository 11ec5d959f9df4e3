/**
 * Running `nodetool` against one node over JMX, for the snapshot strategy (flush,
 * snapshot, clearsnapshot, import). Which nodetool: `LIFEBOAT_NODETOOL` (a `nodetool`
 * executable), else `LIFEBOAT_CASSANDRA_CLASSPATH` (Cassandra's jars: runs
 * `java … org.apache.cassandra.tools.NodeTool` with the JDK 17 module flags Cassandra's
 * own `jvm17-clients.options` gives), else `nodetool` on PATH. The JMX port comes from
 * the URL (`?jmx=7199`), the `lifeboat.dev/cassandra-jmx-port` annotation, or 7199; the
 * host is the node's. JMX authentication is not supported (bind JMX to the loopback or a
 * pod-local interface, as Cassandra does by default).
 */
import { execa } from 'execa';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';

export const JMX_PORT_ANNOTATION = 'lifeboat.dev/cassandra-jmx-port';
export const NODETOOL_ENV = 'LIFEBOAT_NODETOOL';
export const CLASSPATH_ENV = 'LIFEBOAT_CASSANDRA_CLASSPATH';
const DEFAULT_JMX_PORT = 7199;

// Cassandra 5's conf/jvm17-clients.options: its tools reach into JDK internals.
const JDK17_FLAGS = [
  'java.base/jdk.internal.misc',
  'java.base/jdk.internal.ref',
  'java.base/sun.nio.ch',
  'java.management.rmi/com.sun.jmx.remote.internal.rmi',
  'java.rmi/sun.rmi.registry',
  'java.rmi/sun.rmi.server',
  'java.sql/java.sql',
]
  .flatMap((p) => ['--add-exports', `${p}=ALL-UNNAMED`])
  .concat(
    [
      'java.base/java.lang.module',
      'java.base/jdk.internal.loader',
      'java.base/jdk.internal.ref',
      'java.base/jdk.internal.reflect',
      'java.base/jdk.internal.math',
      'java.base/jdk.internal.module',
      'java.base/jdk.internal.util.jar',
      'jdk.management/com.sun.management.internal',
      'java.base/sun.nio.ch',
      'java.base/java.io',
      'java.base/java.lang',
    ].flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]),
  );

/** How to reach one node's nodetool. */
export interface NodetoolTarget {
  /** Program and leading arguments, before `-h host -p port`. */
  readonly argv: readonly string[];
  readonly host: string;
  readonly jmxPort: number;
  readonly workload: string;
}

function jmxPort(workload: Workload): number {
  let fromUrl: string | null;
  try {
    fromUrl = new URL(workload.primary.url).searchParams.get('jmx');
  } catch {
    fromUrl = null;
  }
  const raw = fromUrl ?? workload.annotations[JMX_PORT_ANNOTATION];
  if (raw === undefined) return DEFAULT_JMX_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new AdapterError('cassandra', `cassandra: JMX port "${raw}" is not a port number`, {
      workload: workload.name,
    });
  return port;
}

/** Resolve how nodetool reaches the workload's node. Pure apart from reading `env`. */
export function nodetoolTarget(
  workload: Workload,
  env: Readonly<Record<string, string | undefined>> = process.env,
): NodetoolTarget {
  const tool = env[NODETOOL_ENV];
  const classpath = env[CLASSPATH_ENV];
  const argv =
    tool !== undefined && tool !== ''
      ? [tool]
      : classpath !== undefined && classpath !== ''
        ? ['java', ...JDK17_FLAGS, '-cp', classpath, 'org.apache.cassandra.tools.NodeTool']
        : ['nodetool'];
  return { argv, host: workload.primary.host, jmxPort: jmxPort(workload), workload: workload.name };
}

/**
 * Run `nodetool <args>` on the target's node; resolves with stdout.
 * @throws AdapterError with the command and the last lines of its output when it fails.
 */
export async function nodetool(
  target: NodetoolTarget,
  args: readonly string[],
  signal: AbortSignal,
): Promise<string> {
  const [file = 'nodetool', ...lead] = target.argv;
  const argv = [...lead, '-h', target.host, '-p', String(target.jmxPort), ...args];
  const shown = `nodetool ${args.join(' ')} (${target.host}:${target.jmxPort})`;
  const result = await execa(file, argv, {
    reject: false,
    cancelSignal: signal,
    forceKillAfterDelay: 5000,
    stdin: 'ignore',
    // The java launcher's own logging (logback DEBUG) goes to stdout: keep it out of errors.
    env: { JAVA_TOOL_OPTIONS: '' },
  });
  if (signal.aborted) throw new CancelledError(`${shown} was cancelled`, { workload: target.workload });
  if (result.exitCode !== 0 || result.failed) {
    const output = `${result.stderr}\n${result.stdout}`
      .split('\n')
      .filter((line) => line.trim() !== '' && !/\b(DEBUG|TRACE)\b/.test(line))
      .slice(-8)
      .join('\n');
    const why = result.exitCode === undefined ? (result.originalMessage ?? '') : output;
    throw new AdapterError(
      'cassandra',
      `cassandra ${shown} failed (exit ${result.exitCode ?? '-'}): ${why}`,
      {
        workload: target.workload,
        retryable: false,
      },
    );
  }
  return result.stdout;
}
