import { ActivityFailure, ApplicationFailure, TemporalFailure } from '@temporalio/workflow';
import type {
  ApplyConfirmation,
  ConfirmedRun,
  EngineActivities,
  EvaluatedRun,
  Evaluation,
  ObjectVersion,
  PreparedRun,
  RecordBasis,
  StepCall,
  StepCheck,
  WorkerSettings,
} from '../core/activity-contract.js';
import { confirmationOf } from '../core/confirmation.js';
import type { RunOutcome, StepRecord } from '../core/outcome.js';
import type { PlanDescriptor, PlanEntry, PlanPurpose, StepDescriptor } from '../core/plan-descriptor.js';
import { type ConfirmedKind, confirmedOutcome, confirmedRecord } from '../core/record.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { stepMark } from '../core/run-summary.js';
import type { EngineStatus } from '../core/status.js';
import { applyStep, checkStep, confirmRun, evaluateRun, prepareRun } from './step-calls.js';

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
  /** The confirming activity already wrote the run's status and Event: the workflow need not record them. */
  readonly recorded?: boolean;
  /**
   * The confirming reads of a `progressed` run: they are the next run's reads, should that run start at once
   * (see `RunOptions.evaluated`).
   */
  readonly nextReads?: EvaluatedRun;
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
  /**
   * A run's reads in one local activity (`evaluateRun`), and after an apply the same reads again (`confirmRun`)
   * to tell whether the resource has converged, instead of a separate confirming run.
   */
  readonly evaluateInOne: boolean;
  /** Applies run as local activities unless their step is long-running (see `applyStep`). */
  readonly localApplies: boolean;
  /**
   * A local apply makes the run's confirming reads itself, in the same local activity (`apply <step> and confirm
   * run N`), instead of a `confirmRun` after it (with `evaluateInOne`; see `APPLY_CONFIRM_PATCH`).
   */
  readonly applyAndConfirm: boolean;
  /**
   * The run's reads, already made: the confirming reads of the run before it, which progressed, when this run
   * follows it at once with no change signalled in between. Spares a second read of the same state.
   */
  readonly evaluated?: EvaluatedRun;
  /** Called right before the confirming reads are scheduled (changes signalled until then are in what they see). */
  readonly onConfirming?: () => void;
  /**
   * What the record depends on, besides the apply's words, should the confirming reads find the resource converged
   * or progressed (given that run's result), so that the confirming activity records it itself; `undefined`: the
   * workflow records the run as usual.
   */
  readonly recordBasisFor?: (result: RunResult) => RecordBasis | undefined;
}

type Walk = Pick<RunResult, 'outcome' | 'steps' | 'operatorStatus' | 'changedDuringRun'> & {
  /** The apply made the confirming reads itself: what they found, absent when they were not made. */
  readonly confirmedByApply?: { readonly seen?: ConfirmedRun };
};

/** What an apply that confirms is given, for the step it applies and what its check said. */
type ConfirmationFor = (step: string, checkReason: string) => ApplyConfirmation;

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
  if (options.evaluateInOne) return await executeEvaluatedRun(ref, runNumber, runStartedAt, options);
  options.onStep('prepare');
  let prepared: Awaited<ReturnType<EngineActivities['prepareRun']>>;
  try {
    prepared = await prepareRun(ref, runNumber);
  } catch (error) {
    return { ...failure(error, undefined), purpose: 'reconcile', previousStatus: {} };
  }
  if (prepared.kind !== 'ready') return notReady(prepared, options);
  const object = {
    uid: prepared.uid,
    generation: prepared.generation,
    resourceVersion: prepared.resourceVersion,
  };
  const settings = settingsOf(prepared, options);
  const base = callBase(ref, object, prepared.plan.purpose, runNumber, runStartedAt, settings);
  const walk = await walkPlan(prepared.plan, base, options);
  return { ...walk, object, purpose: prepared.plan.purpose, previousStatus: prepared.status, ...settings };
}

/**
 * A run whose reads are one local activity: `evaluateRun`; the walk goes on in the workflow only where the
 * evaluation stopped (an apply, a wait) or could not settle a check; after a successful apply, `confirmRun`.
 */
async function executeEvaluatedRun(
  ref: ResourceRef,
  runNumber: number,
  runStartedAt: string,
  options: RunOptions,
): Promise<RunResult> {
  options.onStep('evaluate');
  let evaluated: EvaluatedRun;
  try {
    evaluated = options.evaluated ?? (await evaluateRun(ref, runNumber, runStartedAt));
  } catch (error) {
    return { ...failure(error, undefined), purpose: 'reconcile', previousStatus: {} };
  }
  if (evaluated.kind !== 'ready') return notReady(evaluated, options);
  const { evaluation, plan } = evaluated;
  const object = {
    uid: evaluated.uid,
    generation: evaluated.generation,
    resourceVersion: evaluated.resourceVersion,
  };
  const settings = settingsOf(evaluated, options);
  const base = callBase(ref, object, plan.purpose, runNumber, runStartedAt, settings);
  const steps: StepRecord[] = evaluation.passed.map((step) => ({ step, result: 'passed' }));
  const resultOf = ({ confirmedByApply: _c, ...w }: Walk): RunResult => ({
    ...w,
    object,
    purpose: plan.purpose,
    previousStatus: evaluated.status,
    ...settings,
  });
  const confirmation = options.applyAndConfirm ? confirmationFor(options, resultOf) : undefined;
  const walk = await walkPlan(plan, base, options, startOf(evaluation, plan, steps), confirmation);
  return await confirmed(walk, base, options, resultOf);
}

/**
 * What a local apply that confirms is given: the record bases of a run its reads find converged or progressed,
 * decided now (they depend on the outcome's kind, not on what the apply will say).
 */
function confirmationFor(options: RunOptions, resultOf: (walk: Walk) => RunResult): ConfirmationFor {
  return (step, checkReason) => {
    const basis = (kind: ConfirmedKind) =>
      options.recordBasisFor?.(
        resultOf({ outcome: confirmedOutcome(kind, step, checkReason), steps: [], changedDuringRun: false }),
      );
    const ifConverged = basis('converged');
    const ifProgressed = basis('progressed');
    return {
      checkReason,
      ...(ifConverged ? { ifConverged } : {}),
      ...(ifProgressed ? { ifProgressed } : {}),
    };
  };
}

/** Where the workflow's walk starts after an evaluation: its stop, the entry it left unsettled, or past the end. */
function startOf(evaluation: Evaluation, plan: PlanDescriptor, steps: StepRecord[]): WalkStart {
  const { stop, unsettled } = evaluation;
  if (stop) {
    const entry = plan.entries[stop.entry] as PlanEntry;
    const step = stepsOf(entry).find((s) => s.name === stop.step) as StepDescriptor;
    return { entry: stop.entry, input: stop.input, steps, stop: { check: stop.check, step } };
  }
  if (unsettled) return { entry: unsettled.entry, input: unsettled.input, steps };
  return { entry: plan.entries.length, input: undefined, steps };
}

/**
 * After a successful apply, the run's reads once more (see `confirmationOf`). When every step passes on the same
 * object, the run's outcome is `converged`, with the step it `applied` — no separate run needs to say so — and the
 * confirming activity records it (`recorded`). When the applied step now passes and a later one needs a fix, the
 * outcome is `modified` and `progressed`. Anything else leaves the outcome `modified`.
 */
async function confirmed(
  walk: Walk,
  base: Omit<StepCall, 'step'>,
  options: RunOptions,
  resultOf: (walk: Walk) => RunResult,
): Promise<RunResult> {
  if (walk.outcome.kind !== 'modified' || walk.changedDuringRun) return resultOf(walk);
  const { step, reason } = walk.outcome;
  const converged = resultOf({ ...walk, outcome: confirmedOutcome('converged', step, reason) });
  const progressed = resultOf({ ...walk, outcome: confirmedOutcome('progressed', step, reason) });
  const seen = walk.confirmedByApply
    ? walk.confirmedByApply.seen
    : await confirmAfterApply({ step, reason, status: walk.operatorStatus }, base, options, {
        converged,
        progressed,
      });
  if (!seen) return resultOf(walk);
  const confirmation = confirmationOf(seen, base.object.uid, step);
  if (confirmation === 'converged') return { ...converged, recorded: seen.recorded === true };
  if (confirmation === 'progressed')
    return { ...progressed, recorded: seen.recorded === true, nextReads: withoutRecorded(seen) };
  return resultOf(walk);
}

/** The confirming reads as a local activity of their own, after the apply's; undefined when they failed. */
async function confirmAfterApply(
  applied: { readonly step: string; readonly reason: string; readonly status: RunResult['operatorStatus'] },
  base: Omit<StepCall, 'step'>,
  options: RunOptions,
  results: Readonly<Record<ConfirmedKind, RunResult>>,
): Promise<ConfirmedRun | undefined> {
  const { step, reason } = applied;
  const recordOf = (kind: ConfirmedKind) => {
    const basis = options.recordBasisFor?.(results[kind]);
    return basis && confirmedRecord(basis, kind, step, applied);
  };
  const recordIfConverged = recordOf('converged');
  const recordIfProgressed = recordOf('progressed');
  options.onStep('confirm');
  options.onConfirming?.();
  try {
    const input = {
      ref: base.ref,
      runNumber: base.runNumber,
      runStartedAt: base.runStartedAt,
      uid: base.object.uid,
      step,
      ...(recordIfConverged ? { recordIfConverged } : {}),
      ...(recordIfProgressed ? { recordIfProgressed } : {}),
    };
    return await confirmRun(input, stepMark({ step, result: 'fixed', reason }));
  } catch (error) {
    if (error instanceof TemporalFailure) return undefined;
    throw error;
  }
}

function withoutRecorded(seen: ConfirmedRun): EvaluatedRun {
  const { recorded: _recorded, ...reads } = seen;
  return reads;
}

/** The result of a run whose object is gone or whose spec is invalid. */
function notReady(
  prepared: Exclude<PreparedRun, { readonly kind: 'ready' }>,
  options: RunOptions,
): RunResult {
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

/** What every step call of a run shares. */
function callBase(
  ref: ResourceRef,
  object: ObjectVersion,
  purpose: PlanPurpose,
  runNumber: number,
  runStartedAt: string,
  settings: { readonly settings?: WorkerSettings },
): Omit<StepCall, 'step'> {
  const runRef = settings.settings ? { ...ref, version: settings.settings.version } : ref;
  return { ref: runRef, object, purpose, runNumber, runStartedAt, input: undefined };
}

/** Where a walk starts: an entry, the data it gets, the steps already passed, and maybe its verdict already. */
interface WalkStart {
  readonly entry: number;
  readonly input: unknown;
  readonly steps: readonly StepRecord[];
  readonly stop?: { readonly check: StepCheck; readonly step: StepDescriptor };
}

const FROM_THE_START: WalkStart = { entry: 0, input: undefined, steps: [] };

async function walkPlan(
  plan: PlanDescriptor,
  base: Omit<StepCall, 'step'>,
  options: RunOptions,
  start: WalkStart = FROM_THE_START,
  confirmation?: ConfirmationFor,
): Promise<Walk> {
  const steps: StepRecord[] = [...start.steps];
  let data: unknown = start.input;
  let current: string | undefined;
  try {
    const first = plan.entries[start.entry];
    if (start.stop && first) {
      current = start.stop.step.name;
      options.onStep(current);
      const call = { ...base, input: data };
      return await settle(first, start.stop.check, start.stop.step, call, steps, options, confirmation);
    }
    for (const entry of plan.entries.slice(start.entry)) {
      current = entry.kind === 'step' ? entry.step.name : entry.name;
      options.onStep(current);
      const verdict = await checkEntry(entry, { ...base, input: data }, options.stepNamedChecks);
      if (verdict.kind === 'passes') {
        steps.push({ step: current, result: 'passed' });
        data = verdict.data;
        continue;
      }
      const call = { ...base, input: data };
      return await settle(entry, verdict.check, verdict.step, call, steps, options, confirmation);
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
  options: RunOptions,
  confirmation?: ConfirmationFor,
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
      return await applyFix(step, { ...call, step: name }, check, stop, options, confirmation);
    }
    case 'passes':
      throw new Error('unreachable: a passing check does not stop the run');
  }
}

/** Runs the step's apply of `check.fix` (confirming it, when the run asks) and says how the run stops. */
async function applyFix(
  step: StepDescriptor,
  call: StepCall,
  check: Extract<StepCheck, { readonly kind: 'needs-fix' }>,
  stop: (outcome: RunOutcome, record: StepRecord, changedDuringRun?: boolean) => Walk,
  options: RunOptions,
  confirmation: ConfirmationFor | undefined,
): Promise<Walk> {
  const name = step.name;
  const local = options.localApplies && !step.apply.longRunning;
  const confirm = local ? confirmation?.(name, check.reason) : undefined;
  // Changes signalled until the apply starts are in what its confirming reads see.
  if (confirm) options.onConfirming?.();
  const applied = await applyStep(step, call, check.fix, options.localApplies, confirm);
  if (applied.stale !== undefined) {
    const outcome = { kind: 'waiting', step: name, reason: applied.stale, delayMs: 0 } as const;
    return stop(outcome, { step: name, result: 'waiting', reason: applied.stale }, true);
  }
  const reason = applied.message ?? check.reason;
  const walk = {
    ...stop({ kind: 'modified', step: name, reason }, { step: name, result: 'fixed', reason }),
    ...(confirm ? { confirmedByApply: applied.confirmed ? { seen: applied.confirmed } : {} } : {}),
  };
  return applied.status ? { ...walk, operatorStatus: applied.status } : walk;
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

function stepsOf(entry: PlanEntry): readonly StepDescriptor[] {
  return entry.kind === 'step' ? [entry.step] : entry.steps.map(({ step }) => step);
}

function reasonOf(outcome: RunOutcome): string {
  return 'reason' in outcome ? outcome.reason : outcome.kind;
}
