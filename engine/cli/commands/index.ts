/** Explicit list of CLI commands: each module adds its subcommand(s) to the program. */
import type { Command } from 'commander';
import { registerBackup } from './backup.ts';
import { registerController } from './controller.ts';
import { registerDrill } from './drill.ts';
import { registerDashboard } from './dashboard.ts';
import { registerBlueprint } from './blueprint.ts';
import { registerDiscover } from './discover.ts';
import { registerExport } from './export.ts';
import { registerList } from './list.ts';
import { registerPrune } from './prune.ts';
import { registerRepo } from './repo.ts';
import { registerRestore } from './restore.ts';
import { registerRunAction } from './run-action.ts';
import { registerVerify } from './verify.ts';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerBackup,
  registerRestore,
  registerDrill,
  registerExport,
  registerBlueprint,
  registerRepo,
  registerList,
  registerVerify,
  registerPrune,
  registerDiscover,
  registerDashboard,
  registerController,
  registerRunAction,
];
