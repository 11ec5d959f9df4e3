/**
 * Installs the generated Lifeboat CRDs on a test API server and waits until they serve.
 * Idempotent (the shared server outlives a test file): an existing CRD is replaced by the
 * committed one. Other kube tests (controller, chart, RBAC) call it before creating CRs.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_DIR } from '../../../engine/kube/api/generate-crds.ts';
import { RawKube, statusMessage, type KubeObject } from './_raw.ts';

/** Annotation (test servers only) recording which CRD spec is installed. */
const SPEC_HASH = 'test.lifeboat.dev/spec-sha256';

/** The committed CRD manifests, as plain objects. */
export async function committedCrds(): Promise<KubeObject[]> {
  const names = (await readdir(CRD_DIR)).filter((n) => n.endsWith('.yaml')).sort();
  return Promise.all(names.map(async (n) => parse(await readFile(join(CRD_DIR, n), 'utf8')) as KubeObject));
}

/**
 * Create or replace `crds` (default: the committed ones), then wait until each is
 * Established. Throws with the API server's message when one is refused.
 */
export async function applyCrds(
  kubeconfig: string,
  crds?: readonly KubeObject[],
  timeoutMs = 30_000,
): Promise<void> {
  const kube = new RawKube(kubeconfig);
  const list = crds ?? (await committedCrds());
  for (const crd of list) await installOne(kube, crd);
  await Promise.all(list.map((crd) => waitEstablished(kube, crd.metadata.name, timeoutMs)));
}

/**
 * Install one CRD unless the same spec is already there. Replacing a CRD makes the API
 * server re-initialize its storage (429s for a moment) under every other test using it,
 * hence the spec hash. Test files run in parallel: a conflict with another file's write
 * means looking again.
 */
async function installOne(kube: RawKube, crd: KubeObject): Promise<void> {
  const hash = createHash('sha256').update(JSON.stringify(crd.spec)).digest('hex');
  for (let attempt = 1; ; attempt++) {
    const current = await kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd.metadata.name);
    const installed = (current.body as { metadata?: { annotations?: Record<string, string> } }).metadata
      ?.annotations;
    if (current.status === 200 && installed?.[SPEC_HASH] === hash) return;
    const annotations = {
      ...(crd.metadata.annotations as Record<string, string> | undefined),
      [SPEC_HASH]: hash,
    };
    const res = await kube.apply({ ...crd, metadata: { ...crd.metadata, annotations } });
    if (res.status < 300) return;
    if (res.status !== 409 || attempt >= 5)
      throw new Error(`CRD ${crd.metadata.name} refused (${res.status}): ${statusMessage(res)}`);
  }
}

interface CrdCondition {
  type: string;
  status: string;
  message?: string;
}

/** The CRD's status conditions once Established; throws after `timeoutMs`. */
export async function waitEstablished(
  kube: RawKube,
  name: string,
  timeoutMs = 30_000,
): Promise<CrdCondition[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name);
    const conditions = (res.body as { status?: { conditions?: CrdCondition[] } }).status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return conditions;
    if (Date.now() > deadline)
      throw new Error(`CRD ${name} not Established after ${timeoutMs} ms: ${JSON.stringify(conditions)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
