/**
 * One CustomResourceDefinition per kind, built from its descriptor and zod schemas. Pure:
 * `generate-crds.ts` writes the result to the chart.
 */
import { z } from 'zod';
import { GROUP, VERSION, type ResourceDescriptor } from './v1alpha1/common.ts';
import { toStructuralSchema, type JsonSchema } from './structural-schema.ts';

/** `backups.lifeboat.dev` */
export function crdName(descriptor: { readonly plural: string }): string {
  return `${descriptor.plural}.${GROUP}`;
}

/** The openAPIV3Schema of a kind: apiVersion, kind, metadata, spec (required), status. */
export function openApiSchemaOf(descriptor: ResourceDescriptor<z.ZodType, z.ZodType>): JsonSchema {
  // `input`: the shape users write (before defaults), which is what the API server checks.
  const spec = toStructuralSchema(z.toJSONSchema(descriptor.specSchema, { io: 'input' }));
  const status = toStructuralSchema(z.toJSONSchema(descriptor.statusSchema, { io: 'input' }));
  return {
    type: 'object',
    description: descriptor.description,
    properties: {
      apiVersion: { type: 'string', description: 'lifeboat.dev/v1alpha1' },
      kind: { type: 'string', description: descriptor.kind },
      // A CRD may only constrain metadata.name/generateName; the API server owns the rest.
      metadata: { type: 'object' },
      spec: { ...spec, description: spec.description ?? `Desired state of the ${descriptor.kind}.` },
      status: {
        ...status,
        description:
          status.description ?? `Observed state of the ${descriptor.kind}, written by the controller.`,
      },
    },
    required: ['spec'],
  };
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition object of a kind. */
export function buildCrd(descriptor: ResourceDescriptor<z.ZodType, z.ZodType>): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(descriptor),
      labels: { 'app.kubernetes.io/name': 'lifeboat', 'app.kubernetes.io/part-of': 'lifeboat' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: descriptor.kind,
        listKind: descriptor.listKind,
        plural: descriptor.plural,
        singular: descriptor.singular,
        shortNames: [...descriptor.shortNames],
        categories: [...descriptor.categories],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: descriptor.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: openApiSchemaOf(descriptor) },
        },
      ],
    },
  };
}
