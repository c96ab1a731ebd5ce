import {
  type ActivityPolicy,
  DEFAULT_POLICIES,
  type PlanDescriptor,
  type PlanEntry,
  type PlanPurpose,
  type StepDescriptor,
} from '../core/plan-descriptor.js';
import type { OperatorDefinition, ResolvedOperatorOptions } from '../operator/operator.js';
import { type Plan, PlanBuilder, type PlanItem } from '../operator/plan.js';
import type { ResourceKind, ResourceOf } from '../operator/resource-kind.js';
import type { AnyStep, StepPolicy } from '../operator/step.js';
import { addFinalizerStep, removeFinalizerStep } from './engine-steps.js';

/** A plan ready to run: what the workflow sees, and the step functions by name. */
export interface CompiledPlan<K extends ResourceKind> {
  readonly descriptor: PlanDescriptor;
  readonly steps: ReadonlyMap<string, AnyStep<K>>;
}

/**
 * The plan of one run: the operator's reconcile plan (after the engine's add-finalizer step when there is a
 * cleanup plan) or, for an object being deleted, its cleanup plan followed by the engine's remove-finalizer step.
 */
export function compilePlan<K extends ResourceKind>(
  operator: OperatorDefinition<K>,
  options: ResolvedOperatorOptions,
  resource: ResourceOf<K>,
  purpose: PlanPurpose,
): CompiledPlan<K> {
  const items = planItems(operator, options, resource, purpose);
  const steps = new Map<string, AnyStep<K>>();
  const entries = items.map((item): PlanEntry => {
    if (item.kind === 'step') {
      steps.set(item.step.name, item.step);
      return { kind: 'step', step: describeStep(item.step, options) };
    }
    const members = Object.entries(item.steps).map(([key, step]) => {
      steps.set(step.name, step);
      return { key, step: describeStep(step, options) };
    });
    return { kind: 'parallel', name: item.name, steps: members };
  });
  return { descriptor: { purpose, entries }, steps };
}

function planItems<K extends ResourceKind>(
  operator: OperatorDefinition<K>,
  options: ResolvedOperatorOptions,
  resource: ResourceOf<K>,
  purpose: PlanPurpose,
): readonly PlanItem<K>[] {
  const engineStep = (step: AnyStep<K>): PlanItem<K> => ({ kind: 'step', step });
  if (purpose === 'cleanup') {
    const cleanup: Plan<K> = operator.cleanup?.(resource) ?? PlanBuilder.start<K>().build();
    return [...cleanup.items, engineStep(removeFinalizerStep<K>(options.finalizer) as AnyStep<K>)];
  }
  const plan = operator.plan(resource).items;
  return operator.cleanup
    ? [engineStep(addFinalizerStep<K>(options.finalizer) as AnyStep<K>), ...plan]
    : plan;
}

function describeStep<K extends ResourceKind>(
  step: AnyStep<K>,
  options: ResolvedOperatorOptions,
): StepDescriptor {
  return {
    name: step.name,
    canApply: typeof step.apply === 'function',
    check: mergePolicy(DEFAULT_POLICIES.check, options.checkPolicy, step.checkPolicy),
    apply: mergePolicy(DEFAULT_POLICIES.apply, options.applyPolicy, step.applyPolicy),
  };
}

function mergePolicy(
  base: ActivityPolicy,
  ...overrides: readonly (StepPolicy | undefined)[]
): ActivityPolicy {
  return overrides.reduce<ActivityPolicy>(
    (policy, override) => ({
      startToCloseTimeoutMs: override?.timeoutMs ?? policy.startToCloseTimeoutMs,
      retry: { ...policy.retry, ...override?.retry },
    }),
    base,
  );
}
