/**
 * Child of bench/kube.ts: one `discover -A` in a fresh process (so RSS is discovery's own),
 * printing one JSON line: seconds, peak RSS (VmHWM), requests, workloads found, skipped.
 * Usage: node bench/kube-child.ts KUBECONFIG [--no-secrets]
 */
import { readFileSync } from 'node:fs';
import { createKubeClient, discover } from '../engine/kube/index.ts';

/**
 * This process's own peak RSS. Not `resourceUsage().maxRSS`: Linux carries a forked child's
 * high-water mark (the parent's RSS at fork time) over exec, so a child of a big parent
 * reports at least the parent's size (a fresh node child of a 445 MiB parent: 405 MiB vs
 * its VmHWM of 42 MiB). VmHWM belongs to the new address space only.
 */
function peakRssMiB(): number {
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kib ? Number(kib) / 1024 : process.resourceUsage().maxRSS / 1024;
}

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
