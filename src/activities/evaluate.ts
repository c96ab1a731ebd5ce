import type { Evaluation, StepCheck } from '../core/activity-contract.js';
import type { StepDescriptor } from '../core/plan-descriptor.js';
import type { ResourceKind } from '../operator/resource-kind.js';
import type { AnyStep, StepContext } from '../operator/step.js';
import { deadlineSignal } from './deadline-signal.js';
import type { CompiledPlan } from './plans.js';

/** What {@link evaluatePlan} needs from the activity around it. */
export interface EvaluationScope<K extends ResourceKind> {
  /** The context of one step's check; `signal` fires when this check is given up. */
  contextFor(signal: AbortSignal): StepContext<K>;
  /** The activity's own signal (cancellation, its own timeout). */
  readonly signal: AbortSignal;
  /** Checks that data going through workflow history is small enough; throws otherwise. */
  assertSmall(step: string, data: unknown): void;
}

/** A check that threw or ran out of its time: the workflow takes over from its entry. */
class Unsettled extends Error {
  override readonly name = 'Unsettled';
}

/**
 * Runs a plan's checks in order, as one activity: the step data passes from step to step on the worker, and only
 * the verdict (and the data of the step the walk stopped at) goes back to the workflow.
 *
 * Guarantees: read-only, as the checks are; checks run in plan order, a parallel entry's side by side; each check
 * gets its step's own timeout (its signal fires then). Never throws for a check's failure: the walk ends
 * `unsettled` at that entry, and the workflow runs the checks from there one by one with their own retries.
 */
export async function evaluatePlan<K extends ResourceKind>(
  plan: CompiledPlan<K>,
  scope: EvaluationScope<K>,
): Promise<Evaluation> {
  const passed: string[] = [];
  let data: unknown;
  for (const [index, entry] of plan.descriptor.entries.entries()) {
    const members = entry.kind === 'step' ? [{ key: '', step: entry.step }] : entry.steps;
    const verdict = await checkMembers(plan, members, data, scope);
    if (verdict.kind === 'unsettled') {
      scope.assertSmall(members[0]?.step.name ?? '', data);
      return { passed, unsettled: { entry: index, input: data, reason: verdict.reason } };
    }
    if (verdict.kind === 'stop') {
      scope.assertSmall(verdict.step, data);
      if (verdict.check.kind === 'needs-fix') scope.assertSmall(verdict.step, verdict.check.fix);
      return { passed, stop: { entry: index, step: verdict.step, check: verdict.check, input: data } };
    }
    passed.push(entry.kind === 'step' ? entry.step.name : entry.name);
    data =
      entry.kind === 'step'
        ? verdict.outputs[0]
        : Object.fromEntries(members.map(({ key }, i) => [key, verdict.outputs[i]]));
  }
  return { passed };
}

type EntryVerdict =
  | { readonly kind: 'passes'; readonly outputs: readonly unknown[] }
  | { readonly kind: 'stop'; readonly step: string; readonly check: StepCheck }
  | { readonly kind: 'unsettled'; readonly reason: string };

/** Runs one entry's checks side by side: all pass, the first that does not, or one threw. */
async function checkMembers<K extends ResourceKind>(
  plan: CompiledPlan<K>,
  members: readonly { readonly step: StepDescriptor }[],
  input: unknown,
  scope: EvaluationScope<K>,
): Promise<EntryVerdict> {
  let checks: StepCheck[];
  try {
    checks = await Promise.all(members.map(({ step }) => runCheck(plan, step, input, scope)));
  } catch (error) {
    return { kind: 'unsettled', reason: String(error) };
  }
  const stopAt = checks.findIndex((check) => check.kind !== 'passes');
  const stopped = members[stopAt];
  const check = checks[stopAt];
  if (stopped && check) return { kind: 'stop', step: stopped.step.name, check };
  return { kind: 'passes', outputs: checks.map((c) => (c as { data: unknown }).data) };
}

async function runCheck<K extends ResourceKind>(
  plan: CompiledPlan<K>,
  descriptor: StepDescriptor,
  input: unknown,
  scope: EvaluationScope<K>,
): Promise<StepCheck> {
  const step = plan.steps.get(descriptor.name) as AnyStep<K>;
  const deadline = deadlineSignal(scope.signal, descriptor.check.startToCloseTimeoutMs);
  const { signal } = deadline;
  const expired = new Promise<never>((_, reject) => {
    const fail = () => reject(new Unsettled(`check ${descriptor.name} was given up`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  // Settled after the race is over (the check won): nobody waits for it any more.
  expired.catch(() => {});
  try {
    return await Promise.race([step.check(scope.contextFor(signal), input), expired]);
  } finally {
    // The check is over (or given up): its deadline's timer must not keep the activity in memory.
    deadline.dispose();
  }
}
