/**
 * The chart's CRDs are generated from the zod schemas: this fails when someone edits a
 * schema without `npm run gen:crds`, or edits the YAML by hand.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CRD_DIR, crdFiles } from '../../../../engine/kube/api/generate-crds.ts';
import { ALL_RESOURCES, GROUP, VERSION } from '../../../../engine/kube/api/v1alpha1/index.ts';

describe('generated CRDs', () => {
  it('the committed files are exactly a fresh generation (run `npm run gen:crds`)', async () => {
    const fresh = await crdFiles();
    const committed = (await readdir(CRD_DIR)).filter((n) => n.endsWith('.yaml')).sort();
    expect(committed).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) {
      expect(await readFile(join(CRD_DIR, name), 'utf8'), `${name} is stale: run npm run gen:crds`).toBe(
        text,
      );
    }
  });

  it('one namespaced CRD per kind with status subresource, short name, category and printer columns', async () => {
    const files = await crdFiles();
    for (const r of ALL_RESOURCES) {
      const crd = parse(files.get(`${r.plural}.${GROUP}.yaml`) ?? '') as {
        metadata: { name: string };
        spec: {
          scope: string;
          names: { kind: string; shortNames: string[]; categories: string[] };
          versions: {
            name: string;
            subresources: unknown;
            additionalPrinterColumns: unknown[];
            schema: { openAPIV3Schema: { properties: Record<string, unknown> } };
          }[];
        };
      };
      expect(crd.metadata.name).toBe(`${r.plural}.lifeboat.dev`);
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.names.kind).toBe(r.kind);
      expect(crd.spec.names.shortNames).toEqual([...r.shortNames]);
      expect(crd.spec.names.categories).toEqual(['lifeboat']);
      const [version] = crd.spec.versions;
      expect(version?.name).toBe(VERSION);
      expect(version?.subresources).toEqual({ status: {} });
      expect(version?.additionalPrinterColumns.length).toBeGreaterThan(1);
      expect(Object.keys(version?.schema.openAPIV3Schema.properties ?? {})).toEqual([
        'apiVersion',
        'kind',
        'metadata',
        'spec',
        'status',
      ]);
    }
  });

  it('no generated schema keeps a keyword the API server refuses', async () => {
    for (const [name, text] of await crdFiles()) {
      for (const forbidden of [
        '$ref',
        '$defs',
        '$schema',
        'additionalProperties: false',
        'propertyNames',
        'const:',
      ])
        expect(text.includes(forbidden), `${name} contains ${forbidden}`).toBe(false);
      expect(text, `${name} uses a YAML alias`).not.toMatch(/[&*]a\d+\b/);
    }
  });
});
