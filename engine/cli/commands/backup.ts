/** `lifeboat backup`: capture one application (one or several databases) into a repository. */
import { InvalidArgumentError, type Command } from 'commander';
import { STRATEGIES, type Strategy } from '../../../adapters/types.ts';
import { CLUSTER_ENV, checkClusterName } from '../../kube/cluster-identity.ts';
import { workloadsFromArguments } from '../../model/index.ts';
import { describePlan, formatPlan } from '../../planner/index.ts';
import {
  humanBytes,
  openRepository,
  outputFormat,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';
import { collect, positive } from './_arguments.ts';
import { openRunDisplay } from './_run-display.ts';
import { backupStdin } from './_stdin-backup.ts';
import { UsageError } from '../../errors.ts';

interface BackupFlags extends RepositoryFlags {
  readonly db: string[];
  readonly replica: string[];
  readonly app?: string;
  readonly strategy?: Strategy;
  readonly consistency?: 'app' | 'member';
  readonly parallel: number;
  readonly blueprint: string[];
  readonly dryRun?: boolean;
  readonly output: 'table' | 'json';
  readonly cluster?: string;
  readonly stdin?: string;
}

function strategy(value: string): Strategy {
  if (!(STRATEGIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${STRATEGIES.join(', ')}`);
  }
  return value as Strategy;
}

function consistency(value: string): 'app' | 'member' {
  if (value !== 'app' && value !== 'member') throw new InvalidArgumentError('expected "app" or "member"');
  return value;
}

function clusterName(value: string): string {
  try {
    return checkClusterName(value, '--cluster');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `--cluster`, else $LIFEBOAT_CLUSTER, else none. */
function clusterOf(flags: BackupFlags): string | undefined {
  const envCluster = process.env[CLUSTER_ENV];
  return flags.cluster ?? (envCluster ? checkClusterName(envCluster, CLUSTER_ENV) : undefined);
}

export function registerBackup(program: Command): void {
  withRepositoryOptions(
    program
      .command('backup')
      .description('back up one application: every --db is a member of one backup')
      .option(
        '--db <[name=]url>',
        'database to capture (repeat for several); password via env, see README',
        collect,
        [],
      )
      .option('--replica <[name=]url>', 'a replica/standby of a member, for --strategy replica', collect, [])
      .option('--app <name>', 'application name (default: the only member, else "app")')
      .option('--strategy <strategy>', `capture strategy: ${STRATEGIES.join(', ')}`, strategy)
      .option(
        '--consistency <mode>',
        'app: one consistent cut across members; member: each alone',
        consistency,
      )
      .option('-j, --parallel <n>', 'parallel streams per member', positive, 2)
      .option('--blueprint <file>', 'use this blueprint for its engine (repeatable)', collect, [])
      .option(
        '--cluster <name>',
        `source cluster recorded in the backup (repositories shared by clusters; default: $${CLUSTER_ENV})`,
        (value: string) => clusterName(value),
      )
      .option(
        '--stdin <name>',
        'back up what is piped into standard input as one stream named <name> (any dump tool; get it back with lifeboat export). Lifeboat cannot see whether the producer failed: check its exit status before trusting the backup',
      )
      .option('--dry-run', 'print the plan and touch nothing')
      .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
  ).action(async (flags: BackupFlags) => {
    if (flags.stdin !== undefined) {
      const conflicting = [
        flags.db.length > 0 && '--db',
        flags.replica.length > 0 && '--replica',
        flags.strategy && '--strategy',
        flags.consistency && '--consistency',
        flags.blueprint.length > 0 && '--blueprint',
        flags.dryRun && '--dry-run',
      ].filter(Boolean);
      if (conflicting.length > 0)
        throw new UsageError(
          `--stdin backs up one piped stream; it cannot be combined with ${conflicting.join(', ')}`,
        );
      const cluster = clusterOf(flags);
      await backupStdin(await openRepository(flags), {
        artifact: flags.stdin,
        app: flags.app ?? 'stdin',
        ...(cluster !== undefined && { cluster }),
        output: flags.output,
      });
      return;
    }
    // the adapters, drivers and blueprints: loaded only for a database backup
    const { blueprintOnlyEngines, loadEngineSetup, passwordFromEnvironment, planBackup, runBackup } =
      await import('../../runs/index.ts');
    // Blueprints first: an engine without an adapter (e.g. redis) is accepted in --db URLs
    // only when a given blueprint protects it.
    const setup = await loadEngineSetup(flags.blueprint);
    const workloads = workloadsFromArguments(
      flags.db,
      flags.replica,
      passwordFromEnvironment(),
      blueprintOnlyEngines(setup),
    );
    const onlyMember = workloads.length === 1 ? workloads[0]?.name : undefined;
    const cluster = clusterOf(flags);
    const request = {
      ...(cluster !== undefined && { cluster }),
      application: { name: flags.app ?? onlyMember ?? 'app', workloads },
      options: {
        parallelism: flags.parallel,
        ...(flags.strategy && { strategy: flags.strategy }),
        consistency: flags.consistency ?? (workloads.length > 1 ? 'app' : 'member'),
      },
    } as const;
    if (flags.dryRun) {
      const thePlan = planBackup(request, setup);
      process.stdout.write(
        flags.output === 'json'
          ? `${JSON.stringify(describePlan(thePlan), null, 2)}\n`
          : `${formatPlan(thePlan)}\n`,
      );
      return;
    }
    const repository = await openRepository(flags);
    const display = openRunDisplay(flags.output);
    try {
      const { manifest, result } = await runBackup(request, setup, repository, display);
      if (flags.output === 'json') {
        process.stdout.write(
          `${JSON.stringify({ id: manifest.backupId, app: manifest.app, cluster: manifest.cluster ?? null, members: manifest.members.map((m) => ({ name: m.name, engine: m.engine, strategy: m.details.strategy, guarantee: m.guarantee ?? null, markers: m.markers })), fenceWindowMs: result.cut?.fenceWindowMs ?? null })}\n`,
        );
      } else {
        const bytes = result.members.reduce((n, m) => n + m.bytes, 0);
        process.stderr.write(
          `backup ${manifest.backupId} of ${manifest.app}: ${manifest.members.length} member(s), ${humanBytes(bytes)} captured in ${(result.durationMs / 1000).toFixed(1)}s\n`,
        );
        process.stdout.write(`${manifest.backupId}\n`);
      }
    } finally {
      display.close();
    }
  });
}
