/** Explicit list of CLI commands: each module adds its subcommand(s) to the program. */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

/**
 * A command: its name, and its module, loaded only when needed (each command pulls in
 * its own dependencies: database drivers, the Kubernetes client, the dashboard), so
 * `lifeboat backup --stdin` or `lifeboat list` do not load what `lifeboat controller`
 * needs.
 */
export interface CommandEntry {
  readonly name: string;
  load(): Promise<RegisterCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'backup', load: async () => (await import('./backup.ts')).registerBackup },
  { name: 'restore', load: async () => (await import('./restore.ts')).registerRestore },
  { name: 'drill', load: async () => (await import('./drill.ts')).registerDrill },
  { name: 'export', load: async () => (await import('./export.ts')).registerExport },
  { name: 'blueprint', load: async () => (await import('./blueprint.ts')).registerBlueprint },
  { name: 'repo', load: async () => (await import('./repo.ts')).registerRepo },
  { name: 'list', load: async () => (await import('./list.ts')).registerList },
  { name: 'verify', load: async () => (await import('./verify.ts')).registerVerify },
  { name: 'prune', load: async () => (await import('./prune.ts')).registerPrune },
  { name: 'forget', load: async () => (await import('./forget.ts')).registerForget },
  { name: 'discover', load: async () => (await import('./discover.ts')).registerDiscover },
  { name: 'dashboard', load: async () => (await import('./dashboard.ts')).registerDashboard },
  { name: 'controller', load: async () => (await import('./controller.ts')).registerController },
  { name: 'run-action', load: async () => (await import('./run-action.ts')).registerRunAction },
];
