import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  metricMeter,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { afterRun, INITIAL_LOOP_STATE, type LoopState, nextWake, type WakeDecision } from '../core/loop.js';
import type { RunReport } from '../core/outcome.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { runSummary } from '../core/run-summary.js';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes.js';
import { statusFor } from '../core/status.js';
import {
  changedSignal,
  describeQuery,
  pauseSignal,
  type ReconcileInput,
  reconcileNowUpdate,
  resumeSignal,
} from './contract.js';
import { describeLoop, detailsMarkdown } from './describe.js';
import { recordDeleted, recordOutcome } from './record.js';
import { executeRun, type RunResult } from './run.js';
import { STEP_NAMED_CHECKS_PATCH } from './step-calls.js';

/**
 * The control loop of one resource: sleep until a change or a timer, run the plan, record the outcome, decide
 * when to run next. Ends when the resource is gone (deleted, or its cleanup finished).
 *
 * Guarantees: at most one apply per run (see `executeRun`); runs never overlap; a failed run never fails the
 * workflow; continue-as-new carries the loop's state after handlers have finished.
 */
export async function reconcileWorkflow(input: ReconcileInput): Promise<RunReport | undefined> {
  const loop = new ReconcileLoop(input);
  loop.installHandlers();
  for (;;) {
    await loop.sleepUntilDue();
    if (!loop.due()) continue;
    const report = await loop.runOnce();
    if (report.outcome.kind === 'deleted') {
      recordDeleted();
      await condition(allHandlersFinished);
      return report;
    }
    if (
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength >= input.config.maxHistoryEvents
    ) {
      await condition(allHandlersFinished);
      return await continueAsNew<typeof reconcileWorkflow>({
        ref: input.ref,
        config: input.config,
        state: loop.state,
      });
    }
  }
}

/** The loop's mutable state and its steps; one instance per workflow run. */
class ReconcileLoop {
  state: LoopState;
  private wake: WakeDecision = { delayMs: 0, wakeOnChange: true, flapping: false };
  private requestedRuns = 0;
  private completedRuns = 0;
  private currentStep: string | undefined;
  private running = false;
  // Asked before any command of the first run, so its marker never falls inside a run.
  private readonly stepNamedChecks = patched(STEP_NAMED_CHECKS_PATCH);

  constructor(private readonly input: ReconcileInput) {
    this.state = input.state ?? INITIAL_LOOP_STATE;
  }

  private get ref(): ResourceRef {
    return this.input.ref;
  }

  installHandlers(): void {
    setHandler(changedSignal, (notice) => {
      log.debug('change signalled', { reason: notice.reason });
      this.state = { ...this.state, pendingChange: true };
    });
    setHandler(pauseSignal, () => {
      this.state = { ...this.state, paused: true };
    });
    setHandler(resumeSignal, () => {
      this.state = { ...this.state, paused: false, pendingChange: true };
    });
    setHandler(describeQuery, () =>
      describeLoop({
        ref: this.ref,
        state: this.state,
        wake: this.wake,
        running: this.running,
        ...(this.currentStep ? { currentStep: this.currentStep } : {}),
      }),
    );
    setHandler(reconcileNowUpdate, () => this.reconcileNow(), {
      validator: () => {
        if (this.state.paused) throw new Error('the resource is paused; resume it first');
      },
    });
    // Usually set by the starter (signalWithStart); set here only for loops started without them.
    if (workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) === undefined) {
      upsertSearchAttributes([
        { key: SEARCH_ATTRIBUTES.kind, value: this.ref.kind },
        { key: SEARCH_ATTRIBUTES.namespace, value: this.ref.namespace ?? '' },
        { key: SEARCH_ATTRIBUTES.name, value: this.ref.name },
      ]);
    }
  }

  /** True when a run should start now. */
  due(): boolean {
    if (this.requestedRuns > 0) return true;
    return !this.state.paused && this.wake.wakeOnChange && this.state.pendingChange;
  }

  /** Sleeps until a run is due: a change, a "reconcile now", a resume, or the planned time. */
  async sleepUntilDue(): Promise<void> {
    setCurrentDetails(detailsMarkdown(this.state, this.wake, this.ref));
    if (this.state.paused) {
      await condition(() => !this.state.paused || this.requestedRuns > 0);
      return;
    }
    if (this.due()) return;
    this.state = { ...this.state, nextRunAt: Date.now() + this.wake.delayMs };
    // The timer is labelled with the last run's verdict: the timeline then reads run by run.
    const last = this.state.lastReport;
    const summary = last ? runSummary(last, this.wake) : 'waiting for the first run';
    const woken = await condition(() => this.due() || this.state.paused, this.wake.delayMs, { summary });
    // The planned time came: that run is due even without a change.
    if (!woken) this.state = { ...this.state, pendingChange: true };
    if (!woken && !this.wake.wakeOnChange) this.wake = { ...this.wake, wakeOnChange: true };
  }

  /** Executes one run, records it, and plans the next. */
  async runOnce(): Promise<RunReport> {
    this.running = true;
    const runNumber = this.state.runNumber + 1;
    const startedAt = new Date().toISOString();
    const { nextRunAt: _planned, ...rest } = this.state;
    this.state = { ...rest, pendingChange: false };
    const result = await executeRun(this.ref, runNumber, startedAt, {
      onStep: (step) => {
        this.currentStep = step;
      },
      stepNamedChecks: this.stepNamedChecks,
    });
    this.running = false;
    this.currentStep = undefined;
    const report: RunReport = {
      runNumber,
      generation: result.object?.generation ?? 0,
      outcome: result.outcome,
      steps: result.steps,
      startedAt,
      ...(result.purpose === 'cleanup' ? { purpose: result.purpose } : {}),
    };
    this.state = nextState(this.state, report, result);
    this.wake = result.changedDuringRun
      ? { delayMs: 0, wakeOnChange: true, flapping: false }
      : nextWake(result.outcome, this.state, this.input.config);
    await this.record(result, report, startedAt);
    recordRunMetrics(this.ref, result, Date.now() - Date.parse(startedAt));
    this.requestedRuns = 0;
    this.completedRuns += 1;
    return report;
  }

  private async reconcileNow(): Promise<RunReport> {
    this.requestedRuns += 1;
    const target = this.completedRuns;
    await condition(() => this.completedRuns > target);
    return this.state.lastReport as RunReport;
  }

  private async record(result: RunResult, report: RunReport, startedAt: string): Promise<void> {
    if (!result.object) return;
    const status = statusFor({
      outcome: result.outcome,
      generation: report.generation,
      deleting: isDeletingRun(result),
      flapping: this.wake.flapping,
      previous: result.previousStatus.conditions ?? [],
      now: startedAt,
    });
    await recordOutcome(this.ref, result, status);
  }
}

/**
 * Patch: a cleanup run that converges (our finalizer was already gone when its check ran) reports the phase
 * `Deleting`, as every other cleanup run does, not `Ready`. Histories recorded before it keep `Ready` there.
 */
export const CLEANUP_CONVERGED_PATCH = 'staircase-cleanup-converged-deleting';

/** The run followed the cleanup plan, for the phase; a converged one only behind {@link CLEANUP_CONVERGED_PATCH}. */
function isDeletingRun(result: RunResult): boolean {
  if (result.purpose !== 'cleanup') return false;
  return result.outcome.kind !== 'converged' || patched(CLEANUP_CONVERGED_PATCH);
}

/**
 * Engine metrics through the SDK's metric meter, which drops them during replay and exports them with the worker's
 * runtime metrics (`staircase worker --metrics-port`): runs by outcome and run duration.
 */
function recordRunMetrics(ref: ResourceRef, result: RunResult, durationMs: number): void {
  const tags = { kind: ref.kind, outcome: result.outcome.kind };
  metricMeter.createCounter('staircase_runs', 'runs', 'Reconcile runs by kind and outcome').add(1, tags);
  metricMeter
    .createHistogram('staircase_run_duration', 'int', 'ms', 'Duration of a reconcile run')
    .record(durationMs, tags);
}

function nextState(state: LoopState, report: RunReport, result: RunResult): LoopState {
  const uid = result.object?.uid;
  // The same name deleted and recreated is a new object: its counters start afresh.
  const replaced = uid !== undefined && state.uid !== undefined && uid !== state.uid;
  const base = replaced ? { ...INITIAL_LOOP_STATE, paused: state.paused } : state;
  const next = afterRun(base, report, uid);
  return result.changedDuringRun ? { ...next, pendingChange: true } : next;
}
