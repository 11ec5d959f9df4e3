/**
 * `lifeboat run-action --kind Backup --name N --namespace NS`: run ONE Backup, Restore or
 * Drill CR to completion through the controller's reconciler code, then exit (0 when it
 * Succeeded, 1 otherwise). This is the command of the Jobs the controller creates with
 * `--execution job`; run by hand it does exactly what the controller would.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { runActionOnce } from '../../controller/jobs/index.ts';
import { jsonLogger } from '../../controller/logger.ts';
import { loadKubeConfig } from '../../kube/index.ts';

interface RunActionFlags {
  readonly kind: 'Backup' | 'Restore' | 'Drill';
  readonly name: string;
  readonly namespace: string;
  readonly kubeconfig?: string;
  readonly clusterName?: string;
  readonly identity?: string;
}

function kind(value: string): RunActionFlags['kind'] {
  if (value !== 'Backup' && value !== 'Restore' && value !== 'Drill')
    throw new InvalidArgumentError('expected "Backup", "Restore" or "Drill"');
  return value;
}

export function registerRunAction(program: Command): void {
  program
    .command('run-action')
    .description('run one Backup, Restore or Drill CR to completion (what a controller Job runs)')
    .requiredOption('--kind <kind>', 'Backup, Restore or Drill', kind)
    .requiredOption('--name <name>', 'the CR name')
    .requiredOption('--namespace <ns>', 'the CR namespace')
    .option('--kubeconfig <path>', 'kubeconfig file (else KUBECONFIG, ~/.kube/config, in-cluster)')
    .option(
      '--cluster-name <name>',
      'cluster identity recorded in backups (else LIFEBOAT_CLUSTER, kube-system UID)',
    )
    .option('--identity <id>', 'status.runner.identity (default: job/<the action Job name>)')
    .action(async (flags: RunActionFlags, command: Command) => {
      const debug = command.optsWithGlobals<{ debug?: boolean }>().debug ?? false;
      const logger = jsonLogger({ level: debug ? 'debug' : 'info' });
      const abort = new AbortController();
      const stop = () => {
        abort.abort(new Error('signal received'));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      // Blueprint functions that call the API (volume snapshots, kubeExec) load the default configuration.
      if (flags.kubeconfig) process.env.KUBECONFIG = flags.kubeconfig;
      try {
        const result = await runActionOnce({
          kubeConfig: loadKubeConfig(flags.kubeconfig),
          kind: flags.kind,
          namespace: flags.namespace,
          name: flags.name,
          ...(flags.clusterName !== undefined && { clusterName: flags.clusterName }),
          ...(flags.identity !== undefined && { identity: flags.identity }),
          signal: abort.signal,
          logger,
        });
        process.stdout.write(
          `${flags.kind} ${flags.namespace}/${flags.name}: ${result.phase}${result.message ? `: ${result.message}` : ''}\n`,
        );
        if (result.phase !== 'Succeeded') process.exitCode = 1;
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
    });
}
