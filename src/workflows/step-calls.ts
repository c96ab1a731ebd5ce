import {
  type ActivityOptions,
  type LocalActivityOptions,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import {
  type AppliedFix,
  type ApplyConfirmation,
  applyActivityType,
  type ConfirmedRun,
  type ConfirmRunInput,
  checkActivityType,
  type EngineActivities,
  type EvaluatedRun,
  type PreparedRun,
  type RecordRunInput,
  type StepCall,
  type StepCheck,
} from '../core/activity-contract.js';
import type { ActivityPolicy, StepDescriptor } from '../core/plan-descriptor.js';
import type { ResourceRef } from '../core/resource-ref.js';

const READ_POLICY: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
  },
};

// Reads and checks are local activities: one marker event each instead of three events, which keeps a
// converged run's history small. Applies are local too, unless their step is long-running (see `applyStep`).
const local = proxyLocalActivities<EngineActivities>(READ_POLICY);
const remote = proxyActivities<EngineActivities>({ startToCloseTimeout: '2 minutes' });
// Any activity type: a check is scheduled as `check <step>` (see CHECK_ACTIVITY), an apply as `apply <step>`.
const localByType = proxyLocalActivities<Record<string, EngineActivities['checkStep']>>(READ_POLICY);
const localApplies = proxyLocalActivities<Record<string, EngineActivities['applyStep']>>(READ_POLICY);

/**
 * Patch: checks run as local activities named by their step (`check configmap`, not `checkStep`), so the Temporal
 * UI's timeline shows which step ran. Histories recorded before it replay with `checkStep`. The workflow asks
 * `patched()` once, before its first run.
 */
export const STEP_NAMED_CHECKS_PATCH = 'staircase-step-named-checks';

function options(policy: ActivityPolicy, summary: string): ActivityOptions & LocalActivityOptions {
  const { retry } = policy;
  return {
    startToCloseTimeout: policy.startToCloseTimeoutMs,
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
    },
    summary,
  };
}

/** Reads the resource and chooses the run's plan (local activity, labelled "prepare run N"). */
export function prepareRun(ref: ResourceRef, runNumber: number): Promise<PreparedRun> {
  return local.prepareRun.executeWithOptions({ ...READ_POLICY, summary: `prepare run ${runNumber}` }, [
    { ref, runNumber },
  ]);
}

// A run's reads in one local activity: generous, but the activity hands unfinished checks back before it ends.
const EVALUATE_POLICY: LocalActivityOptions = { ...READ_POLICY, startToCloseTimeout: '60 seconds' };

/**
 * A run's reads as one local activity, labelled "evaluate run N": reads the object, chooses the plan and runs the
 * checks in order until one does not pass (see `Evaluation`).
 */
export function evaluateRun(
  ref: ResourceRef,
  runNumber: number,
  runStartedAt: string,
): Promise<EvaluatedRun> {
  return local.evaluateRun.executeWithOptions({ ...EVALUATE_POLICY, summary: `evaluate run ${runNumber}` }, [
    { ref, runNumber, runStartedAt },
  ]);
}

/**
 * The same reads after the run's apply, labelled "confirm run N after ✎ <step> (<what the apply said>)", so the
 * timeline shows every apply even when no timer follows the run: has the apply converged the resource? When it
 * has (or has progressed), the activity writes `input.recordIfConverged` (`recordIfProgressed`) itself.
 */
export function confirmRun(input: ConfirmRunInput, applied: string): Promise<ConfirmedRun> {
  return local.confirmRun.executeWithOptions(
    { ...EVALUATE_POLICY, summary: `confirm run ${input.runNumber} after ${applied}` },
    [input],
  );
}

/** Runs a step's check as the local activity `check <step>` (or `checkStep` unless `stepNamed`), labelled the same. */
export function checkStep(step: StepDescriptor, call: StepCall, stepNamed: boolean): Promise<StepCheck> {
  const opts = options(step.check, `check ${step.name}`);
  const activity = stepNamed ? localByType[checkActivityType(step.name)] : local.checkStep;
  if (!activity) throw new Error(`no activity proxy for step ${step.name}`);
  return activity.executeWithOptions(opts, [call]);
}

/**
 * Heartbeat timeout of applies. The worker heartbeats while a step's apply runs, so a dead worker's attempt times
 * out after this long (then retries elsewhere) instead of after the step's whole start-to-close timeout, and a live
 * worker learns of a timeout or cancellation (the step's `signal` fires). Temporal caps it at the step's timeout.
 * Activity timeouts are not part of replay: changing this needs no patch.
 */
export const APPLY_HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * Runs a step's apply, labelled "apply <step>": as the local activity `apply <step>` when `local` (and the step is
 * not `longRunning`), else as the regular activity `applyStep`, heartbeated (see {@link APPLY_HEARTBEAT_TIMEOUT_MS}).
 * A local apply given `confirm` makes the run's confirming reads itself, labelled "apply <step> and confirm run N".
 *
 * Caveats: a local apply keeps the workflow task open while it runs (the SDK heartbeats the task every few seconds,
 * three history events each time), and a worker that dies during it leaves the run to be evaluated afresh by the
 * next worker, after the workflow task times out.
 */
export function applyStep(
  step: StepDescriptor,
  call: StepCall,
  fix: unknown,
  local: boolean,
  confirm?: ApplyConfirmation,
): Promise<AppliedFix> {
  const opts = options(step.apply, `apply ${step.name}`);
  if (local && !step.apply.longRunning) {
    const activity = localApplies[applyActivityType(step.name)];
    if (!activity) throw new Error(`no activity proxy for step ${step.name}`);
    if (!confirm) return activity.executeWithOptions(opts, [{ ...call, fix }]);
    const summary = `${opts.summary} and confirm run ${call.runNumber}`;
    return activity.executeWithOptions({ ...opts, summary }, [{ ...call, fix, confirm }]);
  }
  return remote.applyStep.executeWithOptions({ ...opts, heartbeatTimeout: APPLY_HEARTBEAT_TIMEOUT_MS }, [
    { ...call, fix },
  ]);
}

/** Writes status and emits an event (local activity, few attempts: it is best-effort). */
export function recordRun(input: RecordRunInput): Promise<void> {
  return local.recordRun.executeWithOptions(
    {
      startToCloseTimeout: '15 seconds',
      retry: { initialInterval: '500ms', maximumAttempts: 3 },
      summary: 'record run',
    },
    [input],
  );
}
