/**
 * `lifeboat blueprint lint FILE…` reports every problem as `file:line:col  path  message`
 * (exit 1 if any); `lifeboat blueprint render FILE --db URL` prints each phase with its
 * args rendered for that workload (secrets never shown).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'yaml';
import { adapters } from '../../../adapters/index.ts';
import { STRATEGIES, type Strategy } from '../../../adapters/types.ts';
import {
  ACTION_NAMES,
  lintBlueprintFiles,
  loadBlueprintFile,
  renderAction,
  type ActionName,
} from '../../blueprint/index.ts';
import { buildRegistry } from '../../functions/index.ts';
import { workloadsFromArguments } from '../../model/index.ts';
import {
  blueprintOnlyEngines,
  loadEngineSetup,
  passwordFromEnvironment,
  runBlueprintTest,
} from '../../runs/index.ts';
import { renderDrillReport } from './drill.ts';
import { openRunDisplay } from './_run-display.ts';

function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    return value as T;
  };
}

interface RenderFlags {
  readonly db: string;
  readonly app?: string;
  readonly action: ActionName;
  readonly strategy: Strategy;
  readonly parallel: string;
}

export function registerBlueprint(program: Command): void {
  const blueprint = program.command('blueprint').description('author blueprints: lint, render, test');

  blueprint
    .command('lint')
    .description('check blueprints offline; prints file:line:col  path  message for every problem')
    .argument('<files...>', 'blueprint YAML files')
    .action(async (files: string[]) => {
      const { lines } = await lintBlueprintFiles(files, buildRegistry(adapters.values()));
      for (const line of lines) process.stdout.write(`${line}\n`);
      if (lines.length > 0) {
        process.stderr.write(`${lines.length} problem(s) in ${files.length} file(s)\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`${files.length} file(s) ok\n`);
      }
    });

  blueprint
    .command('render')
    .description('print every phase of an action with its args rendered for one workload')
    .argument('<file>', 'blueprint YAML file')
    .requiredOption('--db <[name=]url>', 'the workload to render for (password via env is never shown)')
    .option('--app <name>', 'application name')
    .option('--action <action>', `one of ${ACTION_NAMES.join(', ')}`, oneOf(ACTION_NAMES), 'backup')
    .option('--strategy <strategy>', `one of ${STRATEGIES.join(', ')}`, oneOf(STRATEGIES), 'logical')
    .option('-j, --parallel <n>', 'parallel streams', '2')
    .action(async (file: string, flags: RenderFlags) => {
      const registry = buildRegistry(adapters.values());
      const loaded = await loadBlueprintFile(file, registry);
      const [workload] = workloadsFromArguments([flags.db], [], passwordFromEnvironment(), [
        loaded.blueprint.spec.engine,
      ]);
      if (!workload) return;
      const phases = renderAction({
        blueprint: loaded.blueprint,
        action: flags.action,
        workload,
        application: { name: flags.app ?? workload.name, workloads: [workload] },
        backup: { id: '<backup-id>', startedAt: new Date().toISOString(), strategy: flags.strategy },
        options: {
          parallelism: Number(flags.parallel),
          force: false,
          rename: {},
          freezeDeadline: '30s',
          params: {},
        },
        registry,
      });
      process.stdout.write(
        stringify(
          phases.map((p) => ({
            name: p.name,
            func: p.func,
            ...(p.defer && { defer: true }),
            runs: p.runs,
            args: p.args,
          })),
        ),
      );
    });

  blueprint
    .command('test')
    .description('back up one database with the blueprint, restore it into scratch, verify, clean up')
    .argument('<file>', 'blueprint YAML file')
    .requiredOption('--db <[name=]url>', 'the database to test against (password via env)')
    .option('--scratch <url>', "restore on this server instead of the database's own")
    .option('-j, --parallel <n>', 'parallel streams', '2')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(
      async (file: string, flags: { db: string; scratch?: string; parallel: string; output: string }) => {
        const engines = blueprintOnlyEngines(await loadEngineSetup([file]));
        const [workload] = workloadsFromArguments([flags.db], [], passwordFromEnvironment(), engines);
        if (!workload) return;
        const json = flags.output === 'json';
        const display = openRunDisplay('table');
        try {
          const report = await runBlueprintTest(
            {
              file,
              workload,
              ...(flags.scratch !== undefined && { scratch: flags.scratch }),
              parallelism: Number(flags.parallel),
              passwordFor: passwordFromEnvironment(),
            },
            display,
          );
          if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          else {
            process.stdout.write(
              `blueprint ${report.blueprint}: backup ${(report.backupMs / 1000).toFixed(2)}s, then a drill:\n${renderDrillReport(report.drill)}`,
            );
            process.stdout.write(`blueprint test ${report.passed ? 'PASSED' : 'FAILED'}\n`);
          }
          if (!report.passed) process.exitCode = 1;
        } finally {
          display.close();
        }
      },
    );
}
