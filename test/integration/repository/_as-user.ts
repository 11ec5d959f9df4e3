/**
 * Runs the `lifeboat` CLI (arguments as given) as the user RUN_AS_UID when started as
 * root, so that permission errors can be tested where CI runs as root; otherwise as is.
 */
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '../../../engine/cli/main.ts');
const uid = Number(process.env.RUN_AS_UID ?? 65534);
if (process.getuid?.() === 0 && process.setuid && process.setgid && process.setgroups) {
  process.setgroups([]);
  process.setgid(uid);
  process.setuid(uid);
}
process.argv = [process.argv[0] ?? 'node', MAIN, ...process.argv.slice(2)];
await import(MAIN);
