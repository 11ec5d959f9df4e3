/**
 * Child of bench/kube.ts: the controller's initial sync in a fresh process (so RSS is the
 * controller's own): start it cluster-wide with every built-in reconciler (Backup, Restore,
 * Drill, BackupPolicy: informers on the Lifeboat kinds, namespaces, StatefulSets,
 * Deployments, paginated initial lists), wait until every cache holds its list, stop.
 * Prints one JSON line: seconds, max RSS, objects cached.
 * Usage: node bench/kube-sync-child.ts KUBECONFIG
 */
import { loadKubeConfig } from '../engine/kube/index.ts';
import { RESOURCES, silentLogger, startController } from '../engine/controller/index.ts';

const kubeconfig = process.argv[2];
if (!kubeconfig) throw new Error('usage: kube-sync-child.ts KUBECONFIG');
const t0 = performance.now();
let objects = 0;
const controller = await startController({
  kubeConfig: loadKubeConfig(kubeconfig),
  clusterName: 'bench',
  leaderElection: false,
  logger: silentLogger,
  runnables: [
    {
      name: 'count',
      run: (ctx) => {
        for (const ref of [RESOURCES.namespaces, RESOURCES.statefulSets, RESOURCES.deployments])
          objects += ctx.cache(ref).list().length;
        return Promise.resolve();
      },
    },
  ],
});
await controller.synced;
const seconds = (performance.now() - t0) / 1000;
await controller.stop(1000);
process.stdout.write(
  `${JSON.stringify({ seconds, rssMiB: process.resourceUsage().maxRSS / 1024, objects })}\n`,
);
