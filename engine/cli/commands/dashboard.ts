/**
 * `lifeboat dashboard --repo URL [--port 8080]`: the dashboard in repository mode, reading
 * backups and drill reports from a repository without any cluster. Read-only; the
 * controller serves the cluster-mode dashboard (with actions) itself.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createDashboardServer, RepositorySource } from '../../dashboard/index.ts';
import { openRepository, withRepositoryOptions, type RepositoryFlags } from './_repository-options.ts';

interface DashboardFlags extends RepositoryFlags {
  readonly port: number;
  readonly address: string;
  readonly blueprints?: string;
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
      .description('serve the read-only dashboard of a repository: applications, backups, drills, charts')
      .option('--port <port>', 'port to listen on (0: any free port)', port, 8080)
      .option('--address <host>', 'address to listen on (0.0.0.0 exposes it to the network)', '127.0.0.1')
      .option('--blueprints <dir>', 'folder of blueprints to lint and show (default: the built-in ones)'),
  ).action(async (flags: DashboardFlags) => {
    const repo = await openRepository(flags);
    const source = new RepositorySource(repo, flags.blueprints ? { blueprintsDir: flags.blueprints } : {});
    const server = createDashboardServer({
      source,
      onError: (error, path) => {
        process.stderr.write(`dashboard: ${path}: ${(error as Error).message}\n`);
      },
    });
    const address = await server.listen(flags.port, flags.address);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    process.stdout.write(`dashboard of ${repo.location} on http://${host}:${address.port}/ (Ctrl-C stops)\n`);
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
