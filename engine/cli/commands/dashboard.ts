/**
 * `lifeboat dashboard --repo URL [--port 8080]`: the dashboard in repository mode, reading
 * backups and drill reports from a repository without any cluster (read-only).
 * `lifeboat dashboard --cluster [--kubeconfig F]`: cluster mode served standalone (the
 * controller serves the same on its port): each request acts with the bearer token the user
 * gives, the kubeconfig only says where the API server is.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
import {
  ClusterSource,
  createDashboardServer,
  RepositorySource,
  type DashboardSource,
} from '../../dashboard/index.ts';
import { loadKubeConfig } from '../../kube/index.ts';
import { openRepository, withRepositoryOptions, type RepositoryFlags } from './_repository-options.ts';

interface DashboardFlags extends RepositoryFlags {
  readonly port: number;
  readonly address: string;
  readonly blueprints?: string;
  readonly cluster?: boolean;
  readonly kubeconfig?: string;
}

async function sourceOf(flags: DashboardFlags): Promise<DashboardSource> {
  if (flags.cluster) {
    if (flags.repo !== undefined) throw new UsageError('give either --repo URL or --cluster, not both');
    // Only the API server's address and CA are used: requests carry the user's own token.
    return new ClusterSource({ kubeConfig: loadKubeConfig(flags.kubeconfig) });
  }
  const repo = await openRepository(flags);
  return new RepositorySource(repo, flags.blueprints ? { blueprintsDir: flags.blueprints } : {});
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

export function registerDashboard(program: Command): void {
  withRepositoryOptions(
    program
      .command('dashboard')
      .description(
        'serve the dashboard: applications, backups, drills, charts (of a repository, or --cluster)',
      )
      .option('--port <port>', 'port to listen on (0: any free port)', port, 8080)
      .option('--address <host>', 'address to listen on (0.0.0.0 exposes it to the network)', '127.0.0.1')
      .option('--blueprints <dir>', 'folder of blueprints to lint and show (default: the built-in ones)')
      .option(
        '--cluster',
        "cluster mode: read the cluster with each user's own bearer token, not a repository",
      )
      .option('--kubeconfig <file>', 'with --cluster: where the API server is (its user is never used)'),
  ).action(async (flags: DashboardFlags) => {
    const source = await sourceOf(flags);
    const server = createDashboardServer({
      source,
      onError: (error, path) => {
        process.stderr.write(`dashboard: ${path}: ${(error as Error).message}\n`);
      },
    });
    const address = await server.listen(flags.port, flags.address);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const what = source.location ?? 'the cluster (as each signed-in user)';
    process.stdout.write(`dashboard of ${what} on http://${host}:${address.port}/ (Ctrl-C stops)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
  });
}
