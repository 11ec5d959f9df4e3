/**
 * A separate process that takes the write fence and then waits forever, so a test can
 * kill it with SIGKILL and watch the server drop the lock with the dead session.
 * Connection details come from the environment (the password never in argv).
 */
import { acquireFence, resolveTarget } from '../../../adapters/mysql/index.ts';
import { workloadFor } from './_helpers.ts';

const env = process.env;
const workload = workloadFor({
  host: env.FENCE_HOST ?? '127.0.0.1',
  port: Number(env.FENCE_PORT),
  user: env.FENCE_USER ?? 'root',
  password: env.MYSQL_PWD ?? '',
});
await acquireFence(resolveTarget(workload, 'primary'), {
  deadlineMs: 5_000,
  signal: new AbortController().signal,
  method: env.FENCE_METHOD === 'ftwrl' ? 'ftwrl' : 'backup-stage',
});
process.stdout.write('held\n');
setInterval(() => undefined, 60_000);
