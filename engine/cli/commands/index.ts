/** Explicit list of CLI commands: each module adds its subcommand(s) to the program. */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [];
