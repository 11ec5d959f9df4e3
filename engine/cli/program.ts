/** Builds the `lifeboat` command tree. Commands live one per file in ./commands/. */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command('lifeboat')
    .description('Application-aware backups for databases on Kubernetes')
    .version(VERSION)
    .option('--debug', 'print stack traces and debug logs')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}
