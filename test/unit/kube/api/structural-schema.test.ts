import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StructuralSchemaError, toStructuralSchema } from '../../../../engine/kube/api/structural-schema.ts';

const convert = (schema: z.ZodType) => toStructuralSchema(z.toJSONSchema(schema, { io: 'input' }));

describe('toStructuralSchema', () => {
  const cases: { name: string; schema: z.ZodType; expected: Record<string, unknown> }[] = [
    {
      name: 'strict object: additionalProperties false dropped, required kept',
      schema: z.strictObject({ a: z.string(), b: z.boolean().optional() }),
      expected: {
        type: 'object',
        required: ['a'],
        properties: { a: { type: 'string' }, b: { type: 'boolean' } },
      },
    },
    {
      name: 'literal becomes a one-value enum',
      schema: z.literal('x'),
      expected: { type: 'string', enum: ['x'] },
    },
    {
      name: "zod's safe-integer bounds dropped, real bounds kept",
      schema: z.object({ n: z.int(), m: z.int().min(0).max(20) }),
      expected: {
        type: 'object',
        required: ['n', 'm'],
        properties: { n: { type: 'integer' }, m: { type: 'integer', minimum: 0, maximum: 20 } },
      },
    },
    {
      name: 'numeric exclusiveMinimum becomes minimum + exclusiveMinimum: true',
      schema: z.number().positive(),
      expected: { type: 'number', minimum: 0, exclusiveMinimum: true },
    },
    {
      name: 'date-time keeps its format, loses the JavaScript pattern',
      schema: z.iso.datetime({ offset: true }),
      expected: { type: 'string', format: 'date-time' },
    },
    {
      name: 'map of strings keeps additionalProperties',
      schema: z.record(z.string(), z.string()),
      expected: { type: 'object', additionalProperties: { type: 'string' } },
    },
    {
      name: 'map of anything preserves unknown fields',
      schema: z.record(z.string(), z.unknown()),
      expected: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    {
      name: 'string | integer is int-or-string',
      schema: z.union([z.string(), z.int()]),
      expected: { 'x-kubernetes-int-or-string': true },
    },
    {
      name: 'string | boolean is a free node',
      schema: z.union([z.string(), z.boolean()]),
      expected: { 'x-kubernetes-preserve-unknown-fields': true },
    },
    {
      name: 'a union of one type keeps the type outside and value checks inside anyOf',
      schema: z.union([z.enum(['a', 'b']), z.string().regex(/^x-/)]).describe('d'),
      expected: { type: 'string', description: 'd', anyOf: [{ enum: ['a', 'b'] }, { pattern: '^x-' }] },
    },
  ];
  it.each(cases)('$name', ({ schema, expected }) => {
    expect(convert(schema)).toEqual(expected);
  });

  it('inlines $ref/$defs, the reference site description winning', () => {
    const Item = z.object({ v: z.string() }).describe('an item').meta({ id: 'TestItem' });
    const out = convert(z.object({ one: Item, many: z.array(Item), other: Item.describe('the other') }));
    const item = {
      type: 'object',
      description: 'an item',
      required: ['v'],
      properties: { v: { type: 'string' } },
    };
    expect(out).toEqual({
      type: 'object',
      required: ['one', 'many', 'other'],
      properties: {
        one: item,
        many: { type: 'array', items: item },
        other: { ...item, description: 'the other' },
      },
    });
    expect(JSON.stringify(out)).not.toContain('$');
  });

  it('throws naming the path for what a CRD cannot express', () => {
    const Node: z.ZodType = z.lazy(() => z.object({ child: Node.optional() })).meta({ id: 'TestNode' });
    expect(() => convert(z.object({ tree: Node }))).toThrow(StructuralSchemaError);
    expect(() =>
      toStructuralSchema({ type: 'object', properties: { a: { type: 'string', contentEncoding: 'x' } } }),
    ).toThrow(/CRD schema at a: keyword "contentEncoding"/);
    expect(() =>
      convert(z.object({ u: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]) })),
    ).toThrow(/at u/);
  });
});
