import { ActivityFailure, ApplicationFailure, TemporalFailure } from '@temporalio/workflow';
import type {
  EngineActivities,
  ObjectVersion,
  StepCall,
  StepCheck,
  WorkerSettings,
} from '../core/activity-contract.js';
import type { RunOutcome, StepRecord } from '../core/outcome.js';
import type { PlanDescriptor, PlanEntry, PlanPurpose, StepDescriptor } from '../core/plan-descriptor.js';
import type { ResourceRef } from '../core/resource-ref.js';
import type { EngineStatus } from '../core/status.js';
import { applyStep, checkStep, prepareRun } from './step-calls.js';

/** What one run produced, for the loop to record and decide on. */
export interface RunResult {
  readonly outcome: RunOutcome;
  readonly steps: readonly StepRecord[];
  /** The object the run worked on; absent when it was gone. */
  readonly object?: ObjectVersion;
  readonly purpose: PlanPurpose;
  /** Engine status on the object before the run. */
  readonly previousStatus: Partial<EngineStatus>;
  readonly operatorStatus?: Readonly<Record<string, unknown>>;
  /** The object changed under the run: run again at once. */
  readonly changedDuringRun: boolean;
  /** The operator's settings as the worker has them (only when the run is told to take them). */
  readonly settings?: WorkerSettings;
}

/** Where the run is, for the query and the UI. */
export type StepListener = (step: string) => void;

/** How a run reports progress and names its checks. */
export interface RunOptions {
  readonly onStep: StepListener;
  /** Schedule checks as `check <step>` (decided once per workflow execution, see `STEP_NAMED_CHECKS_PATCH`). */
  readonly stepNamedChecks: boolean;
  /** Take the worker's settings: its API version for this run's calls, its loop config for the result. */
  readonly settingsFromWorker: boolean;
}

type Walk = Pick<RunResult, 'outcome' | 'steps' | 'operatorStatus' | 'changedDuringRun'>;

/**
 * Executes one run: prepare, then each plan entry in order until one waits, fails or applies its fix.
 *
 * Guarantees: at most one `applyStep` per call — the walk returns right after the first apply. Never throws for
 * activity failures; they become a `failed` outcome naming the step.
 */
export async function executeRun(
  ref: ResourceRef,
  runNumber: number,
  runStartedAt: string,
  options: RunOptions,
): Promise<RunResult> {
  options.onStep('prepare');
  let prepared: Awaited<ReturnType<EngineActivities['prepareRun']>>;
  try {
    prepared = await prepareRun(ref, runNumber);
  } catch (error) {
    return { ...failure(error, undefined), purpose: 'reconcile', previousStatus: {} };
  }
  if (prepared.kind === 'gone') {
    return {
      outcome: { kind: 'deleted' },
      steps: [],
      purpose: 'reconcile',
      previousStatus: {},
      changedDuringRun: false,
    };
  }
  const object = {
    uid: prepared.uid,
    generation: prepared.generation,
    resourceVersion: prepared.resourceVersion,
  };
  if (prepared.kind === 'invalid') {
    const outcome: RunOutcome = {
      kind: 'failed',
      reason: prepared.message,
      permanent: true,
      errorType: 'InvalidSpec',
    };
    return {
      outcome,
      steps: [],
      object,
      purpose: 'reconcile',
      previousStatus: prepared.status,
      changedDuringRun: false,
      ...settingsOf(prepared, options),
    };
  }
  const settings = settingsOf(prepared, options);
  const runRef = settings.settings ? { ...ref, version: settings.settings.version } : ref;
  const base = {
    ref: runRef,
    object,
    purpose: prepared.plan.purpose,
    runNumber,
    runStartedAt,
    input: undefined,
  };
  const walk = await walkPlan(prepared.plan, base, options);
  return { ...walk, object, purpose: prepared.plan.purpose, previousStatus: prepared.status, ...settings };
}

async function walkPlan(
  plan: PlanDescriptor,
  base: Omit<StepCall, 'step'>,
  options: RunOptions,
): Promise<Walk> {
  const steps: StepRecord[] = [];
  let data: unknown;
  let current: string | undefined;
  try {
    for (const entry of plan.entries) {
      current = entry.kind === 'step' ? entry.step.name : entry.name;
      options.onStep(current);
      const verdict = await checkEntry(entry, { ...base, input: data }, options.stepNamedChecks);
      if (verdict.kind === 'passes') {
        steps.push({ step: current, result: 'passed' });
        data = verdict.data;
        continue;
      }
      return await settle(entry, verdict.check, verdict.step, { ...base, input: data }, steps);
    }
    return { outcome: { kind: 'converged' }, steps, changedDuringRun: false };
  } catch (error) {
    const failed = failure(error, current);
    return {
      ...failed,
      steps: [...steps, { step: current ?? 'prepare', result: 'failed', reason: reasonOf(failed.outcome) }],
    };
  }
}

type EntryVerdict =
  | { kind: 'passes'; data: unknown }
  | { kind: 'stop'; check: StepCheck; step: StepDescriptor };

async function checkEntry(
  entry: PlanEntry,
  call: Omit<StepCall, 'step'>,
  stepNamed: boolean,
): Promise<EntryVerdict> {
  if (entry.kind === 'step') {
    const check = await checkStep(entry.step, { ...call, step: entry.step.name }, stepNamed);
    return check.kind === 'passes'
      ? { kind: 'passes', data: check.data }
      : { kind: 'stop', check, step: entry.step };
  }
  const checks = await Promise.all(
    entry.steps.map(({ step }) => checkStep(step, { ...call, step: step.name }, stepNamed)),
  );
  const stopAt = checks.findIndex((check) => check.kind !== 'passes');
  const stopped = entry.steps[stopAt];
  const check = checks[stopAt];
  if (stopped && check) return { kind: 'stop', check, step: stopped.step };
  const joined = Object.fromEntries(
    entry.steps.map(({ key }, i) => [key, (checks[i] as { data: unknown }).data]),
  );
  return { kind: 'passes', data: joined };
}

async function settle(
  entry: PlanEntry,
  check: StepCheck,
  step: StepDescriptor,
  call: Omit<StepCall, 'step'>,
  steps: StepRecord[],
): Promise<Walk> {
  const name = step.name;
  const stop = (outcome: RunOutcome, record: StepRecord, changedDuringRun = false): Walk => ({
    outcome,
    steps: [...steps, record],
    changedDuringRun,
  });
  switch (check.kind) {
    case 'wait': {
      const waiting = { kind: 'waiting', step: name, reason: check.reason } as const;
      const outcome = check.delayMs === undefined ? waiting : { ...waiting, delayMs: check.delayMs };
      return stop(outcome, { step: name, result: 'waiting', reason: check.reason });
    }
    case 'stale':
      return stop(
        { kind: 'waiting', step: name, reason: check.reason, delayMs: 0 },
        { step: name, result: 'waiting' },
        true,
      );
    case 'needs-fix': {
      if (!step.canApply || entry.kind === 'parallel') {
        const reason = `needs a fix (${check.reason}) but has no apply`;
        const outcome = {
          kind: 'failed',
          step: name,
          reason,
          permanent: true,
          errorType: 'StepHasNoApply',
        } as const;
        return stop(outcome, { step: name, result: 'failed', reason });
      }
      const applied = await applyStep(step, { ...call, step: name }, check.fix);
      if (applied.stale !== undefined) {
        const outcome = { kind: 'waiting', step: name, reason: applied.stale, delayMs: 0 } as const;
        return stop(outcome, { step: name, result: 'waiting', reason: applied.stale }, true);
      }
      const reason = applied.message ?? check.reason;
      const walk = stop({ kind: 'modified', step: name, reason }, { step: name, result: 'fixed', reason });
      return applied.status ? { ...walk, operatorStatus: applied.status } : walk;
    }
    case 'passes':
      throw new Error('unreachable: a passing check does not stop the run');
  }
}

function settingsOf(prepared: { readonly settings?: WorkerSettings }, options: RunOptions) {
  return options.settingsFromWorker && prepared.settings ? { settings: prepared.settings } : {};
}

function failure(error: unknown, step: string | undefined): Walk {
  // Regular activities fail with an ActivityFailure wrapping the cause; local ones may surface the cause itself.
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof TemporalFailure)) throw error;
  const permanent = cause instanceof ApplicationFailure && cause.nonRetryable === true;
  const reason = cause.message;
  const errorType = permanent ? (cause.type ?? 'PermanentError') : 'RetriesExhausted';
  const outcome: RunOutcome = { kind: 'failed', reason, permanent, errorType, ...(step ? { step } : {}) };
  return { outcome, steps: [], changedDuringRun: false };
}

function reasonOf(outcome: RunOutcome): string {
  return 'reason' in outcome ? outcome.reason : outcome.kind;
}
