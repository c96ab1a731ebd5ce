import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compilePlan } from '../../src/activities/plans.js';
import { needsFix } from '../../src/core/check-result.js';
import type { StepDescriptor } from '../../src/core/plan-descriptor.js';
import { defineOperator, resolveOptions } from '../../src/operator/operator.js';
import { planFor, stepFor } from '../../src/operator/plan.js';
import { defineResourceKind, type ResourceOf } from '../../src/operator/resource-kind.js';

const Thing = defineResourceKind({
  group: 'policies.staircase.test',
  version: 'v1',
  kind: 'Thing',
  plural: 'things',
  scope: 'Namespaced',
  spec: z.object({}),
});
const step = stepFor(Thing);
const fixes = (name: string, applyPolicy?: { longRunning: boolean }) =>
  step({
    name,
    check: () => needsFix('always'),
    apply: () => undefined,
    ...(applyPolicy ? { applyPolicy } : {}),
  });

function describedSteps(options: Parameters<typeof defineOperator<typeof Thing>>[0]['options']) {
  const operator = defineOperator({
    name: 'things',
    kind: Thing,
    plan: () =>
      planFor(Thing)
        .step(fixes('quick', { longRunning: false }))
        .step(fixes('inherits'))
        .build(),
    ...(options ? { options } : {}),
  });
  const resource = { metadata: { name: 'a', namespace: 'n', uid: 'u' }, spec: {} } as ResourceOf<
    typeof Thing
  >;
  const { descriptor } = compilePlan(operator, resolveOptions(operator), resource, 'reconcile');
  return descriptor.entries.flatMap((entry) =>
    entry.kind === 'step' ? [entry.step] : [],
  ) as StepDescriptor[];
}

describe('where an apply runs', () => {
  it('is a local activity unless its step (or the operator) says longRunning; a check never is long-running', () => {
    const local = describedSteps(undefined);
    expect(local.map((s) => s.apply.longRunning)).toEqual([undefined, undefined]);

    const long = describedSteps({ applyPolicy: { longRunning: true }, checkPolicy: { longRunning: true } });
    // The step's own `longRunning: false` wins over the operator's.
    expect(long.map((s) => [s.name, s.apply.longRunning])).toEqual([
      ['quick', undefined],
      ['inherits', true],
    ]);
    expect(long.map((s) => s.check.longRunning)).toEqual([undefined, undefined]);
  });
});
