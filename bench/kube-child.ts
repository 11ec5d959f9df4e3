/**
 * Child of bench/kube.ts: one `discover -A` in a fresh process (so RSS is discovery's own),
 * printing one JSON line: seconds, peak RSS (VmHWM), requests, workloads found, skipped.
 * Usage: node bench/kube-child.ts KUBECONFIG [--no-secrets]
 */
import { createKubeClient, discover } from '../engine/kube/index.ts';
import { peakRssKiB } from './_peak-rss.ts';

const peakRssMiB = (): number => peakRssKiB() / 1024;

const kubeconfig = process.argv[2];
if (!kubeconfig) throw new Error('usage: kube-child.ts KUBECONFIG [--no-secrets]');
const readSecrets = !process.argv.includes('--no-secrets');
const t0 = performance.now();
const client = createKubeClient({ kubeconfig });
const result = await discover(client, { readSecrets });
const seconds = (performance.now() - t0) / 1000;
const workloads = result.applications.reduce((n, a) => n + a.workloads.length, 0);
process.stdout.write(
  `${JSON.stringify({
    seconds,
    rssMiB: peakRssMiB(),
    requests: client.requests,
    applications: result.applications.length,
    workloads,
    skipped: result.skipped.length,
  })}\n`,
);
