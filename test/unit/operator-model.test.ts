import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { passes } from '../../src/core/check-result.js';
import { displayName, workflowIdFor } from '../../src/core/resource-ref.js';
import { InvalidPlanError, UnsupportedSchemaError } from '../../src/operator/errors.js';
import { defineOperator } from '../../src/operator/operator.js';
import { planFor, stepFor } from '../../src/operator/plan.js';
import { defineResourceKind } from '../../src/operator/resource-kind.js';

const Site = defineResourceKind({
  group: 'example.staircase.dev',
  version: 'v1',
  kind: 'Site',
  plural: 'sites',
  scope: 'Namespaced',
  spec: z.object({
    image: z.string().min(1).describe('container image'),
    replicas: z.number().int().min(1).max(10).default(2),
    tier: z.enum(['free', 'paid']).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  status: z.object({ url: z.string().optional() }),
});
const step = stepFor(Site);

describe('workflow IDs', () => {
  it('are readable and unambiguous for namespaced and cluster-scoped resources', () => {
    expect(workflowIdFor(Site.ref('blog', 'team-a'))).toBe('sites.example.staircase.dev/team-a/blog');
    expect(workflowIdFor({ ...Site.ref('blog'), namespace: undefined } as never)).toBe(
      'sites.example.staircase.dev/blog',
    );
    expect(displayName(Site.ref('blog', 'team-a'))).toBe('team-a/blog');
  });
});

describe('resource kinds from zod', () => {
  it('validate a spec, applying defaults', () => {
    expect(Site.parseSpec({ image: 'nginx' })).toEqual({ ok: true, spec: { image: 'nginx', replicas: 2 } });
  });

  it('name every offending field of an invalid spec', () => {
    const result = Site.parseSpec({ image: '', replicas: 11 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^spec\.image: .+; spec\.replicas: .+/);
  });

  it('generate a CRD with a structural schema, the status subresource and printer columns', () => {
    const crd = Site.crd();
    expect(crd.metadata?.name).toBe('sites.example.staircase.dev');
    const version = crd.spec.versions[0];
    expect(version?.subresources?.status).toEqual({});
    expect(version?.additionalPrinterColumns?.map((c) => c.name)).toEqual(['Ready', 'Phase', 'Step', 'Age']);
    const schema = version?.schema?.openAPIV3Schema as {
      properties: { spec: unknown; status: { properties: Record<string, unknown> } };
    };
    expect(schema.properties.spec).toMatchObject({
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', minLength: 1, description: 'container image' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 2 },
        tier: { type: 'string', enum: ['free', 'paid'] },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    });
    expect(Object.keys(schema.properties.status.properties).sort()).toEqual([
      'conditions',
      'currentStep',
      'observedGeneration',
      'phase',
      'url',
    ]);
  });

  it('refuse a union, naming where it is', () => {
    const Bad = defineResourceKind({
      group: 'g.dev',
      version: 'v1',
      kind: 'Bad',
      plural: 'bads',
      scope: 'Cluster',
      spec: z.object({ target: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]) }),
    });
    expect(() => Bad.crd()).toThrow(UnsupportedSchemaError);
    expect(() => Bad.crd()).toThrow(/\.target uses anyOf/);
  });
});

describe('plans', () => {
  const a = step({ name: 'a', check: () => passes('from a') });
  const b = step({ name: 'b', check: (_context, input: string) => passes(input.length) });

  it('chain steps whose input is the previous output', () => {
    const plan = planFor(Site).step(a).step(b).build();
    expect(plan.items.map((i) => (i.kind === 'step' ? i.step.name : i.name))).toEqual(['a', 'b']);
  });

  it('are checked by the compiler: a step must take what the previous step outputs', () => {
    const wantsNumber = step({ name: 'n', check: (_context, input: number) => passes(input + 1) });
    // @ts-expect-error — `a` outputs a string and `n` wants a number; tsc fails if this ever compiles.
    const plan = planFor(Site).step(a).step(wantsNumber).build();
    expect(plan.items).toHaveLength(2);
  });

  it('refuse a name used twice', () => {
    expect(() => planFor(Site).step(a).step(a).build()).toThrow(InvalidPlanError);
  });

  it('refuse the engine’s reserved prefix', () => {
    const reserved = step({ name: 'staircase:mine', check: () => passes() });
    expect(() => planFor(Site).step(reserved).build()).toThrow(/reserved/);
  });

  it('refuse a step with an apply in a parallel group', () => {
    const fixer = step({ name: 'fixer', check: () => passes(), apply: () => undefined });
    expect(() => planFor(Site).parallel('group', { fixer: fixer as never })).toThrow(
      /parallel group "group"/,
    );
  });
});

describe('operators', () => {
  it('refuse a name that is not lower-case letters, digits and dashes', () => {
    expect(() =>
      defineOperator({ name: 'My Operator', kind: Site, plan: () => planFor(Site).build() }),
    ).toThrow(/lower-case/);
  });
});

describe('canonicalJson', () => {
  it('serializes equal values equally whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 2 } })).toBe(
      canonicalJson({ a: { c: 2, d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
  });
});
