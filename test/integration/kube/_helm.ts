/**
 * Runs the helm CLI on charts/lifeboat for the chart and RBAC tests. helm is a test
 * prerequisite like the servers: missing, the tests fail naming the install command.
 */
import { access, constants } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { CACHE_BIN } from '../../../testcontainers/_process.ts';
import type { KubeObject } from './_raw.ts';

export const CHART = resolve(import.meta.dirname, '../../../charts/lifeboat');
/** The Kubernetes version of the test API server, for `helm template --kube-version`. */
export const KUBE_VERSION = '1.34.4';

/** Path of the helm binary: ~/.cache/lifeboat/bin/helm, else the first on PATH. */
export async function helmBinary(): Promise<string> {
  const candidates = [
    join(CACHE_BIN, 'helm'),
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'helm')),
  ];
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `helm not found in ${CACHE_BIN} or on PATH; install it with \`testcontainers/install helm\` ` +
      '(builds helm.sh/helm/v3 v3.22.0 from its Go module; or `GOBIN=~/.cache/lifeboat/bin go install helm.sh/helm/v3/cmd/helm@v3.22.0`)',
  );
}

/** `helm <args>`; resolves to stdout, rejects with stderr on failure. */
export async function helm(args: readonly string[]): Promise<string> {
  const result = await execa(await helmBinary(), args, {
    reject: false,
    // helm writes caches and config under these; keep them out of the user's home.
    env: {
      HELM_CACHE_HOME: '/tmp/lifeboat-helm/cache',
      HELM_CONFIG_HOME: '/tmp/lifeboat-helm/config',
      HELM_DATA_HOME: '/tmp/lifeboat-helm/data',
    },
  });
  if (result.exitCode !== 0)
    throw new Error(`helm ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

/** `helm template` of the chart as objects, in helm's install order. */
export async function renderChart(
  release: string,
  namespace: string,
  options: { set?: readonly string[]; includeCrds?: boolean } = {},
): Promise<KubeObject[]> {
  const args = ['template', release, CHART, '--namespace', namespace, '--kube-version', KUBE_VERSION];
  if (options.includeCrds) args.push('--include-crds');
  for (const s of options.set ?? []) args.push('--set', s);
  return parseAllDocuments(await helm(args))
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}
