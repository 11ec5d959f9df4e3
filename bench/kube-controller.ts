/**
 * Part of bench/kube.ts: `lifeboat controller --all-namespaces` as a deployment runs it (the
 * CLI in a child process, leader election on, metrics server up) against a populated API
 * server with the CRDs installed. Times, from spawning the process: caches synced (the
 * `/readyz` probe turns 200), and the first reconcile pass over the cluster finished (the
 * controller's `first reconcile pass finished` log line). Peak RSS is the child's VmHWM.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { benchNodeFlags } from './_node-flags.ts';

export interface ControllerSync {
  /** Seconds from spawn until `/readyz` answered 200 (every informer synced). */
  readonly readySeconds: number;
  /** Seconds from spawn until the first reconcile pass finished. */
  readonly firstPassSeconds: number;
  /** Keys the first pass reconciled. */
  readonly keys: number;
  /** Objects in the caches at sync, as the controller logged it. */
  readonly cached: number;
  readonly rssMiB: number;
}

const CLI = resolve(import.meta.dirname, '../engine/cli/main.ts');

/** The child's peak resident set (VmHWM), read from procfs while it still runs. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) / 1024;
}

export async function controllerInitialSync(
  kubeconfig: string,
  timeoutMs = 600_000,
): Promise<ControllerSync> {
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const child = spawn(
    process.execPath,
    [
      ...benchNodeFlags(),
      CLI,
      'controller',
      '--all-namespaces',
      '--kubeconfig',
      kubeconfig,
      '--metrics-port',
      '0',
      '--leader-election-namespace',
      'default',
      '--cluster-name',
      'bench',
      '--identity',
      'bench-controller',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  try {
    let url = '';
    let cached = -1;
    let readySeconds = -1;
    const problems: string[] = [];
    const firstPass = new Promise<{ keys: number; seconds: number }>((done, fail) => {
      const lines = createInterface({ input: child.stderr });
      lines.on('line', (line) => {
        let entry: { level?: string; msg?: string; url?: string; objects?: number; keys?: number };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          problems.push(line);
          return;
        }
        if (entry.level === 'warn' || entry.level === 'error') problems.push(line.slice(0, 400));
        if (entry.msg === 'metrics listening' && entry.url) url = entry.url;
        if (entry.msg === 'caches synced') cached = entry.objects ?? -1;
        if (entry.msg === 'first reconcile pass finished') done({ keys: entry.keys ?? 0, seconds: since() });
      });
      void exited.then((code) => {
        fail(
          new Error(`controller exited (${code}) before its first pass:\n${problems.slice(-10).join('\n')}`),
        );
      });
    });
    // Readiness as the kubelet sees it: poll /readyz until 200.
    const ready = (async () => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (Date.now() > deadline) throw new Error('controller never became ready');
        if (url) {
          const r = await fetch(`${url}/readyz`).catch(() => undefined);
          if (r?.status === 200) return since();
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [pass] = await Promise.all([firstPass, ready.then((s) => (readySeconds = s))]);
    clearTimeout(timer);
    const rssMiB = await peakRssMiB(child.pid ?? 0);
    if (problems.length > 0)
      process.stdout.write(
        `controller warnings/errors (${problems.length}), last: ${problems.at(-1) ?? ''}\n`,
      );
    return { readySeconds, firstPassSeconds: pass.seconds, keys: pass.keys, cached, rssMiB };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}
