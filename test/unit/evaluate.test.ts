import { describe, expect, it } from 'vitest';
import { evaluatePlan } from '../../src/activities/evaluate.js';
import type { CompiledPlan } from '../../src/activities/plans.js';
import { DEFAULT_POLICIES, type PlanEntry, type StepDescriptor } from '../../src/core/plan-descriptor.js';
import type { ResourceKind } from '../../src/operator/resource-kind.js';
import type { AnyStep, StepContext } from '../../src/operator/step.js';

type Check = (input: unknown, signal: AbortSignal) => unknown;

const describeStep = (name: string, timeoutMs = 1_000): StepDescriptor => ({
  name,
  canApply: true,
  check: { ...DEFAULT_POLICIES.check, startToCloseTimeoutMs: timeoutMs },
  apply: DEFAULT_POLICIES.apply,
});

/** A plan of plain step objects: `[name, check]` runs alone, an array of them runs side by side. */
function planOf(...items: ([string, Check] | [string, Check][])[]): CompiledPlan<ResourceKind> {
  const steps = new Map<string, AnyStep<ResourceKind>>();
  const add = ([name, check]: [string, Check]) => {
    steps.set(name, {
      name,
      check: (context, input) => check(input, context.signal),
    } as AnyStep<ResourceKind>);
    return describeStep(name, name.startsWith('slow') ? 50 : 1_000);
  };
  const entries = items.map((item, i): PlanEntry => {
    if (typeof item[0] === 'string') return { kind: 'step', step: add(item as [string, Check]) };
    const group = item as [string, Check][];
    return { kind: 'parallel', name: `group-${i}`, steps: group.map((m) => ({ key: m[0], step: add(m) })) };
  });
  return { descriptor: { purpose: 'reconcile', entries }, steps };
}

const scope = {
  contextFor: (signal: AbortSignal) => ({ signal }) as StepContext<ResourceKind>,
  signal: new AbortController().signal,
  assertSmall: () => {},
};
const passes = (data: unknown) => ({ kind: 'passes', data });

describe('evaluatePlan: a run’s checks in one activity', () => {
  it('passes data from step to step and joins a parallel group, then converges', async () => {
    const seen: unknown[] = [];
    const plan = planOf(
      ['a', () => passes(1)],
      [
        ['x', (input) => passes(`x${input}`)],
        ['y', (input) => passes(`y${input}`)],
      ],
      [
        'b',
        (input) => {
          seen.push(input);
          return passes(undefined);
        },
      ],
    );
    expect(await evaluatePlan(plan, scope)).toEqual({ passed: ['a', 'group-1', 'b'] });
    expect(seen).toEqual([{ x: 'x1', y: 'y1' }]);
  });

  it('stops at the first step that does not pass, with the data it was given', async () => {
    let ranAfter = false;
    const plan = planOf(
      ['a', () => passes('from-a')],
      ['b', () => ({ kind: 'needs-fix', reason: 'missing', fix: { make: 1 } })],
      [
        'c',
        () => {
          ranAfter = true;
          return passes(undefined);
        },
      ],
    );
    expect(await evaluatePlan(plan, scope)).toEqual({
      passed: ['a'],
      stop: {
        entry: 1,
        step: 'b',
        check: { kind: 'needs-fix', reason: 'missing', fix: { make: 1 } },
        input: 'from-a',
      },
    });
    expect(ranAfter).toBe(false);
  });

  it('hands a check that throws, or outlives its timeout (its signal fired), back to the workflow', async () => {
    const thrown = await evaluatePlan(
      planOf(
        ['a', () => passes(2)],
        [
          'b',
          () => {
            throw new Error('boom');
          },
        ],
      ),
      scope,
    );
    expect(thrown).toMatchObject({ passed: ['a'], unsettled: { entry: 1, input: 2, reason: 'Error: boom' } });

    let aborted = false;
    const hang: Check = (_input, signal) =>
      new Promise(() =>
        signal.addEventListener('abort', () => {
          aborted = true;
        }),
      );
    const slow = await evaluatePlan(planOf(['slow-a', hang]), scope);
    expect(slow).toMatchObject({ passed: [], unsettled: { entry: 0 } });
    expect(aborted).toBe(true);
  });
});
