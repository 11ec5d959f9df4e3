import { PassThrough, Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { execInPod, PID_LINE } from '../kube/pod-exec.ts';
import { resolveExecTarget } from '../kube/workload-pod.ts';
import { redactSecrets } from '../redact.ts';
import { defineFunction } from './define-function.ts';
import { commandEnvironment, printableCommand, processArgs, streamArgs } from './exec.ts';
import type { BlueprintFunction } from './types.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Every command runs under a small `sh` wrapper. It reports the command's PID first (a
 * cancel kills it with a second exec: closing the stream does not stop it). And, since exec
 * has no environment of its own and argv is visible (API server audit log, `ps` in the
 * pod), variables travel on stdin as `NAME=value` lines ended by an empty line, which the
 * wrapper exports before it replaces itself with the command; the rest of stdin
 * (`stdin`/`stdinFrom`) follows untouched (`read` takes one byte at a time from a pipe).
 */
export function wrapCommand(command: readonly string[], withEnv: boolean): string[] {
  const readEnv = withEnv ? 'while IFS= read -r kv && [ -n "$kv" ]; do export "$kv"; done; ' : '';
  return ['sh', '-c', `${PID_LINE}; ${readEnv}exec "$@"`, 'lifeboat-exec', ...command];
}

/** The stdin preamble carrying `env`; values may not contain a newline. */
export function envPreamble(env: Readonly<Record<string, string>>, phase: string): Buffer | undefined {
  const entries = Object.entries(env);
  if (entries.length === 0) return undefined;
  for (const [name, value] of entries) {
    if (!ENV_NAME.test(name))
      throw new UsageError(`kubeExec: environment variable name ${JSON.stringify(name)} is not valid`, {
        phase,
      });
    if (/[\n\r\0]/.test(value))
      throw new UsageError(`kubeExec: the value of ${name} contains a line break, which exec cannot pass`, {
        phase,
      });
  }
  return Buffer.from(`${entries.map(([n, v]) => `${n}=${v}`).join('\n')}\n\n`);
}

let defaultConfig: KubeConfig | undefined;
/** KUBECONFIG, ~/.kube/config, or the in-cluster service account, loaded once. */
function loadDefault(): KubeConfig {
  if (!defaultConfig) {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    defaultConfig = kc;
  }
  return defaultConfig;
}

/**
 * `kubeExec` with the cluster configuration it uses (the registry's loads the default
 * one lazily; tests and embedders may pass their own).
 */
export function makeKubeExecFunction(kubeConfig: () => KubeConfig = loadDefault): BlueprintFunction {
  return defineFunction({
    name: 'kubeExec',
    description:
      "Run a command in a container of the workload's pod through the API server (pods/exec), with stdin from text or an artifact and stdout into an artifact, like `exec`.",
    args: z.strictObject({
      ...processArgs,
      ...streamArgs,
      namespace: z.string().min(1).optional().describe("the pod's namespace; default: the workload's"),
      pod: z
        .string()
        .min(1)
        .optional()
        .describe(
          "the pod; default: the primary's pod (its StatefulSet pod name, else a Running pod of its owner)",
        ),
      container: z.string().min(1).optional().describe("the container; default: the pod's first"),
    }),
    outputs: ['exitCode', 'stdout', 'bytes', 'pod', 'container'],
    async exec(args, ctx) {
      const phase = ctx.where.phase;
      if (args.stdin !== undefined && args.stdinFrom !== undefined)
        throw new UsageError('kubeExec: give stdin or stdinFrom, not both', { phase });
      const { env, secrets } = commandEnvironment(args, ctx.workload.credentials);
      const preamble = envPreamble(env, phase);
      const argv = wrapCommand(args.command, preamble !== undefined);
      const printable = redactSecrets(printableCommand(args.command), secrets);

      const kc = kubeConfig();
      const target = await resolveExecTarget(kc, ctx.workload, {
        ...(args.namespace !== undefined && { namespace: args.namespace }),
        ...(args.pod !== undefined && { pod: args.pod }),
        ...(args.container !== undefined && { container: args.container }),
      });
      // Open artifacts before the exec starts, so a missing repository cannot orphan it.
      const source = args.stdinFrom === undefined ? undefined : await ctx.artifacts.source();
      const sink = args.stdoutTo === undefined ? undefined : await ctx.artifacts.sink();
      const stdin: Readable | undefined =
        args.stdinFrom !== undefined && source
          ? source.open(args.stdinFrom)
          : args.stdin !== undefined
            ? Readable.from([Buffer.from(args.stdin)])
            : undefined;
      const out = sink && args.stdoutTo !== undefined ? new PassThrough() : undefined;
      const stored = out && sink && args.stdoutTo !== undefined ? sink.put(args.stdoutTo, out) : undefined;
      // A failed put must not stay unhandled while the exec still runs.
      stored?.catch(() => undefined);

      let bytes = 0;
      try {
        const result = await execInPod(kc, {
          ...target,
          command: argv,
          printable,
          ...(preamble && { preamble }),
          ...(stdin && { stdin }),
          ...(out && { stdout: out }),
          signal: ctx.signal,
          reportsPid: true,
          onBytes: (n) => {
            bytes += n;
            ctx.progress.bytes(n);
          },
        });
        await stored;
        return {
          exitCode: 0,
          stdout: redactSecrets(result.stdoutTail, secrets),
          bytes,
          pod: target.pod,
          container: target.container,
        };
      } catch (error) {
        out?.destroy();
        if (error instanceof Error) error.message = redactSecrets(error.message, secrets);
        throw error;
      }
    },
  });
}

/**
 * Run a command inside the database's pod (`kubectl exec` through the API server). argv
 * is an array, run under `sh` (the container needs one); `env`/`credentialsEnv` reach the
 * command on stdin (never argv, which the API server's audit log and the pod's `ps` show). Needs
 * `get` on pods and `create`/`get` on pods/exec (chart: `rbac.podExec=true`).
 */
export const kubeExecFunction = makeKubeExecFunction();
