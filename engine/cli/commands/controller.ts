/**
 * `lifeboat controller`: the Kubernetes controller (watches Lifeboat CRs, runs Backups,
 * Restores and Drills in-process, BackupPolicy schedules), with the Prometheus endpoint.
 * Runs until SIGTERM/SIGINT, then stops cleanly: in-flight actions are aborted and marked,
 * the Lease is released, the metrics server closes.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { openRepositoryOf, RESOURCES, startController } from '../../controller/index.ts';
import { jsonLogger } from '../../controller/logger.ts';
import { ClusterSource, createDashboardServer } from '../../dashboard/index.ts';
import { parseRepository } from '../../kube/api/v1alpha1/index.ts';
import { createKubeClient, loadKubeConfig } from '../../kube/index.ts';
import {
  createMetrics,
  lastSuccessSeeder,
  MetricsRecorder,
  metricsObserver,
  startMetricsServer,
} from '../../metrics/index.ts';
import { count } from './_repository-options.ts';

interface ControllerFlags {
  readonly kubeconfig?: string;
  readonly namespace?: string[];
  readonly allNamespaces?: boolean;
  readonly clusterName?: string;
  readonly metricsPort: number;
  readonly dashboard: boolean;
  readonly leaderElectionNamespace?: string;
  readonly leaderElection: boolean;
  readonly identity?: string;
  readonly blueprint?: string[];
  readonly execution: 'in-process' | 'job';
  readonly jobImage?: string;
  readonly jobServiceAccount?: string;
}

function executionMode(value: string): ControllerFlags['execution'] {
  if (value !== 'in-process' && value !== 'job')
    throw new InvalidArgumentError('expected "in-process" or "job"');
  return value;
}

export function registerController(program: Command): void {
  program
    .command('controller')
    .description('run the Kubernetes controller (Backup, Restore, Drill, BackupPolicy) until SIGTERM')
    .option('--kubeconfig <path>', 'kubeconfig file (else KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('-n, --namespace <ns...>', 'watch only these namespaces (default: all)')
    .option('-A, --all-namespaces', 'watch every namespace (the default)')
    .option(
      '--cluster-name <name>',
      'cluster identity recorded in backups (else LIFEBOAT_CLUSTER, kube-system UID)',
    )
    .option('--metrics-port <port>', 'Prometheus /metrics, /healthz, /readyz (0: any free port)', count, 9464)
    .option(
      '--no-dashboard',
      "do not serve the dashboard on the metrics port (it acts with each caller's token, never the controller's)",
    )
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: the kubeconfig namespace)')
    .option('--no-leader-election', 'act without a Lease (only ever run ONE instance this way)')
    .option('--identity <id>', 'this instance in the Lease and in status.runner (default: hostname-random)')
    .option(
      '--execution <mode>',
      'in-process: run actions here; job: one Job per action (lifeboat run-action, same image)',
      executionMode,
      'in-process',
    )
    .option(
      '--job-image <image>',
      "image of the action Jobs, normally the controller's own (else LIFEBOAT_IMAGE)",
    )
    .option(
      '--job-service-account <name>',
      'ServiceAccount of the action Jobs in each namespace',
      'lifeboat-runner',
    )
    .action(async (flags: ControllerFlags, command: Command) => {
      const jobImage = flags.jobImage ?? process.env.LIFEBOAT_IMAGE;
      if (flags.execution === 'job' && !jobImage)
        throw new UsageError(
          '--execution job needs the image of the action Jobs: --job-image or LIFEBOAT_IMAGE',
        );
      const debug = command.optsWithGlobals<{ debug?: boolean }>().debug ?? false;
      const log = jsonLogger({ level: debug ? 'debug' : 'info' });
      const kubeConfig = loadKubeConfig(flags.kubeconfig);
      // Blueprint functions that call the API (volume snapshots, kubeExec) load the default
      // configuration: make it this one.
      if (flags.kubeconfig) process.env.KUBECONFIG = flags.kubeconfig;
      const metrics = createMetrics();
      let synced = false;
      // Cluster mode reads with the caller's bearer token only: the kubeconfig gives the API
      // server's address and CA, never its user, so the controller's rights are not lent out.
      const dashboard = flags.dashboard
        ? createDashboardServer({
            source: new ClusterSource({ kubeConfig }),
            onError: (error, path) => {
              log.warn('dashboard request failed', { path, error: (error as Error).message });
            },
          })
        : undefined;
      const server = await startMetricsServer({
        registry: metrics.registry,
        port: flags.metricsPort,
        ready: () => synced,
        ...(dashboard && { fallback: (req, res) => dashboard.handle(req, res) }),
      });
      log.info('metrics listening', { url: server.url });
      const recorder = new MetricsRecorder(metrics);
      const kube = createKubeClient({ kubeConfig });
      // A restart must not turn "last backup 3 h ago" into "never": seed from CRs and manifests.
      const seeder = lastSuccessSeeder(recorder, {
        backups: RESOURCES.backups,
        repositories: RESOURCES.repositories,
        listRepository: async (object) => {
          const namespace = object.metadata?.namespace ?? '';
          return (await openRepositoryOf(kube, parseRepository(object), namespace)).list();
        },
      });
      const controller = await startController({
        kubeConfig,
        ...(flags.execution === 'job' &&
          jobImage && {
            execution: {
              mode: 'job',
              job: {
                image: jobImage,
                ...(flags.jobServiceAccount !== undefined && { serviceAccountName: flags.jobServiceAccount }),
                ...(flags.clusterName !== undefined && { clusterName: flags.clusterName }),
              },
            },
          }),
        ...(!flags.allNamespaces && flags.namespace && { namespaces: flags.namespace }),
        ...(flags.clusterName !== undefined && { clusterName: flags.clusterName }),
        ...(flags.identity !== undefined && { identity: flags.identity }),
        leaderElection: flags.leaderElection
          ? {
              ...(flags.leaderElectionNamespace !== undefined && {
                namespace: flags.leaderElectionNamespace,
              }),
            }
          : false,
        observers: [metricsObserver(recorder)],
        runnables: [seeder],
        logger: log,
      });
      void controller.synced.then(() => {
        synced = true;
      });
      // Keeps the process alive while watches reconnect (their timers do not).
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => {
          resolve('SIGTERM');
        });
        process.once('SIGINT', () => {
          resolve('SIGINT');
        });
      });
      log.info('signal received; stopping', { signal });
      await controller.stop();
      await dashboard?.close(); // ends its live-progress streams
      await server.close();
      clearInterval(keepAlive);
    });
}
