/** Builds the `lifeboat` command tree. Commands live one per file in ./commands/. */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { VERSION } from '../version.ts';

/**
 * The program for these arguments: when they name a command, only that command is
 * loaded and registered; otherwise (help, version, a mistyped command) all are, so help
 * lists them and a mistake gets the usual suggestion.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('lifeboat')
    .description('Application-aware backups for databases on Kubernetes')
    .version(VERSION)
    .option('--debug', 'print stack traces and debug logs')
    .showHelpAfterError()
    .exitOverride();
  const named = argv.find((arg) => !arg.startsWith('-'));
  const only = COMMANDS.find((command) => command.name === named);
  const versionOnly = named === undefined && (argv.includes('--version') || argv.includes('-V'));
  const wanted = only ? [only] : versionOnly ? [] : COMMANDS;
  for (const command of wanted) (await command.load())(program);
  return program;
}
