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
import type { RawResource } from './kube-objects.js';

/** A plan ready to run: what the workflow sees, and the step functions by name. */
export interface CompiledPlan<K extends ResourceKind> {
  readonly descriptor: PlanDescriptor;
  readonly steps: ReadonlyMap<string, AnyStep<K>>;
}

/**
 * What a run of `raw` (spec not yet validated) follows, or why it cannot run:
 *
 * - not being deleted: the operator's reconcile plan, after the engine's add-finalizer step when there is a
 *   cleanup plan; `invalid` when the spec does not validate;
 * - being deleted and holding a finalizer the engine owns ({@link ownedFinalizers}): the operator's cleanup plan,
 *   if any, then the engine's remove-finalizer step. When the spec does not validate, the cleanup plan cannot be
 *   computed and is skipped (the remove-finalizer step says so), so that an invalid spec never blocks deletion;
 * - being deleted and holding none of them: `gone` — the engine has nothing left to do.
 */
export type PlanChoice<K extends ResourceKind> =
  | { readonly kind: 'plan'; readonly resource: ResourceOf<K>; readonly plan: CompiledPlan<K> }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'gone' };

/** Chooses the plan of a run of `raw` for `purpose`, or says why there is none (see {@link PlanChoice}). */
export function choosePlan<K extends ResourceKind>(
  operator: OperatorDefinition<K>,
  options: ResolvedOperatorOptions,
  raw: RawResource,
  purpose: PlanPurpose,
): PlanChoice<K> {
  const parsed = operator.kind.parseSpec(raw.spec);
  if (purpose === 'reconcile') {
    if (!parsed.ok) return { kind: 'invalid', message: parsed.message };
    const resource = { ...raw, spec: parsed.spec } as ResourceOf<K>;
    return { kind: 'plan', resource, plan: compilePlan(operator, options, resource, purpose) };
  }
  const owned = ownedFinalizers(options);
  if (!raw.metadata.finalizers?.some((f) => owned.includes(f))) return { kind: 'gone' };
  if (parsed.ok) {
    const resource = { ...raw, spec: parsed.spec } as ResourceOf<K>;
    return { kind: 'plan', resource, plan: compilePlan(operator, options, resource, purpose) };
  }
  // Without a valid spec there is no cleanup plan to compute: only the engine's step, which reads metadata alone.
  const resource = raw as ResourceOf<K>;
  const skipped = operator.cleanup ? `the spec is invalid (${parsed.message})` : undefined;
  const step = removeFinalizerStep<K>(owned, skipped) as AnyStep<K>;
  return { kind: 'plan', resource, plan: compileItems([{ kind: 'step', step }], options, purpose) };
}

/**
 * The finalizers the engine removes from a deleting object: the current one, the default name
 * (`<group>/staircase-cleanup`) and `options.formerFinalizers`, so that renaming the finalizer or dropping the
 * cleanup plan strands no object.
 */
export function ownedFinalizers(options: ResolvedOperatorOptions): readonly string[] {
  return [...new Set([options.finalizer, options.defaultFinalizer, ...options.formerFinalizers])];
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
  return compileItems(planItems(operator, options, resource, purpose), options, purpose);
}

function compileItems<K extends ResourceKind>(
  items: readonly PlanItem<K>[],
  options: ResolvedOperatorOptions,
  purpose: PlanPurpose,
): CompiledPlan<K> {
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
    return [...cleanup.items, engineStep(removeFinalizerStep<K>(ownedFinalizers(options)) as AnyStep<K>)];
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
    check: withoutLongRunning(mergePolicy(DEFAULT_POLICIES.check, options.checkPolicy, step.checkPolicy)),
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
      ...((override?.longRunning ?? policy.longRunning) ? { longRunning: true as const } : {}),
    }),
    base,
  );
}

/** `longRunning` is for applies: a check is always a local activity. */
function withoutLongRunning(policy: ActivityPolicy): ActivityPolicy {
  const { longRunning: _applies, ...check } = policy;
  return check;
}
