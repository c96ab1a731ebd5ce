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
import type { EvaluatedRun, RecordBasis } from '../core/activity-contract.js';
import {
  actOnChange,
  afterRun,
  type HistoryFigures,
  historyFull,
  historySinceWake,
  type IdleSituation,
  INITIAL_LOOP_STATE,
  type LoopConfig,
  type LoopState,
  nextWake,
  objectChange,
  planWake,
  restsAfter,
  timerLength,
  type WakeDecision,
  wakeFromPlan,
} from '../core/loop.js';
import type { RunReport } from '../core/outcome.js';
import type { Phase } from '../core/phase.js';
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
import { observeObject } from './observe.js';
import { DELETED_PHASE_PATCH, recordDeleted, recordOutcome, updateSearchAttributes } from './record.js';
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
    if (loop.due()) {
      const report = await loop.runOnce();
      if (report.outcome.kind === 'deleted') {
        loop.publishAttributes();
        recordDeleted(loop.patches.deletedPhase);
        await condition(allHandlersFinished);
        return report;
      }
    } else if (!loop.patches.idleLooks) continue;
    if (loop.historyFull()) {
      loop.publishAttributes();
      await condition(allHandlersFinished);
      return await continueAsNew<typeof reconcileWorkflow>(loop.continuation());
    }
  }
}

/**
 * Patch (one marker for the loop's second revision, to keep each run's history short):
 * - continue-as-new carries the planned next run (`LoopState.planned`), so the new run keeps the permanent failure
 *   backoff, the flap backoff and the minimum delay instead of running at once;
 * - while idle on purpose the loop looks at the object when a change arrives — paused, only the object's end or its
 *   replacement wakes it (a recreated object does not inherit the pause); in a flap backoff only a spec change does
 *   (the fighting children's own events do not); an idle loop also continues as new when history is full;
 * - each run takes the operator's settings from the worker that prepared it — loop timing for its decisions and the
 *   kind's API version for its calls — so new settings reach running loops; the input's config is the fallback;
 * - "reconcile now" answers with a run that started after the request (a request during a run gets the next run);
 * - a run's reads are one local activity (`evaluate run N`), and after an apply the same reads again
 *   (`confirm run N`) say whether the resource converged, instead of a separate confirming run; the modifying
 *   streak of the flapping guard starts afresh with each generation; checks are named by step (no second marker);
 * - applies are local activities (`apply <step>`) unless their step is long-running; a progressed run is recorded by
 *   its confirming activity; the phase and step search attributes are set once before the loop waits, not after
 *   every run (runs back to back in one workflow task would set them in the same task anyway); a run that follows
 *   a progressed one at once starts from its confirming reads instead of reading the same state again;
 * - a loop about to rest continues as new once its history passed `idleHistoryEvents`, so a loop woken after
 *   leaving the worker's cache replays a short history.
 */
export const LOOP_REVISION_2_PATCH = 'staircase-loop-2';

/**
 * Patch (loops of the second revision only): a local apply makes the run's confirming reads itself, in one local
 * activity labelled `apply <step> and confirm run N`, and records the run when they find it converged or
 * progressed — one local activity (one marker, one activation) less per apply than `apply <step>` followed by
 * `confirm run N after ✎ <step> (…)`, which histories recorded before it replay with.
 */
export const APPLY_CONFIRM_PATCH = 'staircase-apply-confirm';

/**
 * Patch: one marker for every patch before it. A loop started by an engine with it asks this patch alone, before its
 * first run, and behaves as with {@link LOOP_REVISION_2_PATCH}, {@link APPLY_CONFIRM_PATCH},
 * {@link STEP_NAMED_CHECKS_PATCH}, {@link DELETED_PHASE_PATCH} and {@link CLEANUP_CONVERGED_PATCH}: each patch a new
 * execution asks costs a marker and the SDK's upsert of the `TemporalChangeVersion` search attribute (a visibility
 * write on the server), and every loop's continue-as-new is a new execution. Histories recorded before it ask those
 * patches one by one, and replay so.
 */
export const LOOP_REVISION_4_PATCH = 'staircase-loop-4';

/**
 * Patch: implies {@link LOOP_REVISION_4_PATCH} (one marker), and the loop decides to continue as new from the
 * history length read where it last woke from a wait plus an estimate of each run and look since
 * (`historySinceWake`), not from the length seen after a local activity: a query answered while a local activity ran
 * shifted that length live but not on replay, and a loop that continued as new there did not replay. Histories
 * recorded before it read the length at the decision, and replay so.
 */
export const LOOP_REVISION_5_PATCH = 'staircase-loop-5';

/** The loop's mutable state and its steps; one instance per workflow run. */
class ReconcileLoop {
  state: LoopState;
  private wake: WakeDecision = { delayMs: 0, wakeOnChange: true, flapping: false };
  /** Epoch ms the next run is due (behind {@link LOOP_REVISION_2_PATCH}). */
  private dueAt = Date.now();
  private requestedRuns = 0;
  /** Change signals received, so a look can tell whether another arrived meanwhile. */
  private changes = 0;
  /** A look found the object gone: run once even while paused, to end the loop. */
  private runToEnd = false;
  private completedRuns = 0;
  /** Runs begun; one more than {@link completedRuns} while a run (its record included) is under way. */
  private startedRuns = 0;
  private currentStep: string | undefined;
  private running = false;
  /** The last run progressed and the next is due at once: its confirming reads, and the changes count then. */
  private carried: { readonly reads: EvaluatedRun; readonly changes: number } | undefined;
  // Asked before any command of the first run, so their markers never fall inside a run; a patch implied by a later
  // one is not asked (one marker, not several).
  private readonly revision5 = patched(LOOP_REVISION_5_PATCH);
  private readonly revision4 = this.revision5 || patched(LOOP_REVISION_4_PATCH);
  private readonly revision2 = this.revision4 || patched(LOOP_REVISION_2_PATCH);
  private readonly stepNamedChecks = this.revision2 || patched(STEP_NAMED_CHECKS_PATCH);
  readonly patches = {
    carryDueTime: this.revision2,
    idleLooks: this.revision2,
    settingsFromWorker: this.revision2,
    reconcileNowAfterRequest: this.revision2,
    evaluateInOne: this.revision2,
    localApplies: this.revision2,
    deferAttributes: this.revision2,
    carryReads: this.revision2,
    shortIdleHistory: this.revision2,
    historyAtWakes: this.revision5,
    applyAndConfirm: this.revision4 || (this.revision2 && patched(APPLY_CONFIRM_PATCH)),
    /** Later patches, asked when their case arises unless {@link LOOP_REVISION_4_PATCH} implies them. */
    deletedPhase: () => this.revision4 || patched(DELETED_PHASE_PATCH),
    cleanupConverged: () => this.revision4 || patched(CLEANUP_CONVERGED_PATCH),
  };
  /** Phase and step to publish as search attributes before the loop next waits (behind the same patch). */
  private attributes: { readonly phase: Phase; readonly step: string | undefined } | undefined;
  /** History figures where the loop last woke from a wait, and the runs and looks since (behind revision 5). */
  private wakeHistory: HistoryFigures = currentHistory();
  private runsAndLooksSinceWake = 0;
  /** Loop timing: the worker's, from the last run (behind {@link LOOP_REVISION_2_PATCH}), else the input's. */
  private config: LoopConfig;
  /** The resource, at the API version the worker serves (behind the same patch). */
  private resource: ResourceRef;

  constructor(input: ReconcileInput) {
    this.config = input.config;
    this.resource = input.ref;
    const { planned, ...state } = input.state ?? INITIAL_LOOP_STATE;
    this.state = state;
    if (planned && this.patches.carryDueTime) {
      this.wake = wakeFromPlan(planned, Date.now());
      this.dueAt = planned.atMs;
    }
  }

  /** The next run's input: the loop's state, with the planned next run behind {@link LOOP_REVISION_2_PATCH}. */
  continuation(): ReconcileInput {
    const state = this.patches.carryDueTime
      ? { ...this.state, planned: planWake(this.wake, this.dueAt) }
      : this.state;
    return { ref: this.resource, config: this.config, state };
  }

  /** Time to continue as new: history is full, or past the idle budget as the loop rests (behind revision 2). */
  historyFull(): boolean {
    const history = this.patches.historyAtWakes
      ? historySinceWake(this.wakeHistory, this.runsAndLooksSinceWake)
      : currentHistory();
    return historyFull(history, this.config, this.patches.shortIdleHistory && restsAfter(this.wake));
  }

  private get ref(): ResourceRef {
    return this.resource;
  }

  installHandlers(): void {
    setHandler(changedSignal, (notice) => {
      log.debug('change signalled', { reason: notice.reason });
      this.changes += 1;
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
    if (this.requestedRuns > 0 || this.runToEnd) return true;
    return !this.state.paused && this.wake.wakeOnChange && this.state.pendingChange;
  }

  /** Sets the search attributes of the last run's phase and step, if not done yet. */
  publishAttributes(): void {
    if (this.attributes) updateSearchAttributes(this.attributes.phase, this.attributes.step);
    this.attributes = undefined;
  }

  /** Sleeps until a run is due: a change, a "reconcile now", a resume, or the planned time. */
  async sleepUntilDue(): Promise<void> {
    setCurrentDetails(detailsMarkdown(this.state, this.wake, this.ref));
    if (this.state.paused) return await this.sleepWhilePaused();
    // A change during the run that tripped the flapping guard (its own child's event, say) is looked at too.
    if (this.due()) return this.wake.flapping ? await this.lookInBackoff() : undefined;
    const delayMs = this.patches.carryDueTime ? timerLength(this.dueAt, Date.now()) : this.wake.delayMs;
    this.state = { ...this.state, nextRunAt: Date.now() + delayMs };
    // The timer is labelled with the last run's verdict: the timeline then reads run by run.
    const last = this.state.lastReport;
    const summary = last ? runSummary(last, this.wake) : 'waiting for the first run';
    this.publishAttributes();
    const woken = await condition(() => this.due() || this.state.paused, delayMs, { summary });
    this.markWake();
    // The planned time came: that run is due even without a change.
    if (!woken) this.state = { ...this.state, pendingChange: true };
    if (!woken && !this.wake.wakeOnChange) this.wake = { ...this.wake, wakeOnChange: true };
    if (woken && this.wake.flapping) await this.lookInBackoff();
  }

  /** Paused: only a resume, a "reconcile now", or (behind the patch) a change to look at or a full history wakes it. */
  private async sleepWhilePaused(): Promise<void> {
    this.publishAttributes();
    const woken = () => !this.state.paused || this.requestedRuns > 0 || this.idleWake();
    const waits = !woken();
    await condition(woken);
    if (waits) this.markWake();
    const changed = this.state.paused && this.requestedRuns === 0 && this.state.pendingChange;
    if (changed && this.patches.idleLooks) await this.look('paused');
  }

  /** The loop woke from a wait: the history figures now are the same live and on replay (see `historySinceWake`). */
  private markWake(): void {
    this.wakeHistory = currentHistory();
    this.runsAndLooksSinceWake = 0;
  }

  /** Woken by a change in the flap backoff: only a spec change may end it (behind {@link LOOP_REVISION_2_PATCH}). */
  private async lookInBackoff(): Promise<void> {
    if (this.patches.idleLooks && this.stillIdle('flap-backoff')) await this.look('flap-backoff');
  }

  /** Paused, an idle loop still wakes for a change to look at, or to continue as new (behind the patch). */
  private idleWake(): boolean {
    return this.patches.idleLooks && (this.state.pendingChange || this.historyFull());
  }

  /**
   * A change arrived while idle on purpose: look at the object and decide whether it may wake the loop. A signal
   * during the look means a newer state to look at; a resume, pause or "reconcile now" during it ends the idling.
   */
  private async look(situation: IdleSituation): Promise<void> {
    for (;;) {
      const changes = this.changes;
      this.runsAndLooksSinceWake += 1;
      const seen = await observeObject(this.ref, this.state.runNumber);
      if (!this.stillIdle(situation)) return;
      if (this.changes !== changes) continue;
      const action = actOnChange(situation, objectChange(this.state, seen));
      if (action === 'ignore') this.state = { ...this.state, pendingChange: false };
      if (action === 'run' && situation === 'paused') this.runToEnd = true;
      if (action === 'start-afresh') {
        const { runNumber, lastReport } = this.state;
        this.state = { ...INITIAL_LOOP_STATE, runNumber, ...(lastReport ? { lastReport } : {}) };
        this.wake = { delayMs: 0, wakeOnChange: true, flapping: false };
        this.dueAt = Date.now();
      }
      return;
    }
  }

  private stillIdle(situation: IdleSituation): boolean {
    if (this.requestedRuns > 0) return false;
    return situation === 'paused' ? this.state.paused : !this.state.paused && this.wake.flapping;
  }

  /** Executes one run, records it, and plans the next. */
  async runOnce(): Promise<RunReport> {
    this.running = true;
    this.startedRuns += 1;
    this.runsAndLooksSinceWake += 1;
    // Requests that arrive during the run are answered by the next one.
    const requestsAnswered = this.requestedRuns;
    let changesBeforeConfirm: number | undefined;
    const runNumber = this.state.runNumber + 1;
    const startedAt = new Date().toISOString();
    const { nextRunAt: _planned, ...rest } = this.state;
    this.state = { ...rest, pendingChange: false };
    // The confirming reads of the run before are this run's only if nothing was signalled since.
    const carried = this.carried?.changes === this.changes ? this.carried.reads : undefined;
    this.carried = undefined;
    const result = await executeRun(this.ref, runNumber, startedAt, {
      ...(carried ? { evaluated: carried } : {}),
      onStep: (step) => {
        this.currentStep = step;
      },
      stepNamedChecks: this.stepNamedChecks,
      settingsFromWorker: this.patches.settingsFromWorker,
      evaluateInOne: this.patches.evaluateInOne,
      localApplies: this.patches.localApplies,
      applyAndConfirm: this.patches.applyAndConfirm,
      onConfirming: () => {
        changesBeforeConfirm = this.changes;
      },
      recordBasisFor: (result) => this.recordBasisFor(result, runNumber, startedAt),
    });
    if (result.settings) {
      this.config = result.settings.loop;
      this.resource = { ...this.resource, version: result.settings.version };
    }
    this.running = false;
    this.currentStep = undefined;
    const report = reportOf(result, runNumber, startedAt);
    this.state = nextState(this.state, report, result, this.patches.idleLooks);
    // The confirming reads saw every change signalled before them: only later ones call for another run.
    if (changesBeforeConfirm === this.changes && result.outcome.kind === 'converged')
      this.state = { ...this.state, pendingChange: false };
    this.wake = result.changedDuringRun
      ? { delayMs: 0, wakeOnChange: true, flapping: false }
      : nextWake(result.outcome, this.state, this.config, this.spreadSeed(runNumber));
    // Progress (see `nextWake`): the next run is due now, without a timer, and starts from the confirming reads.
    if (this.wake.delayMs === 0 && !this.wake.flapping) {
      this.state = { ...this.state, pendingChange: true };
      // Only when the confirming activity recorded the run: its reads then still show the object's status.
      if (result.nextReads && result.recorded && this.patches.carryReads)
        this.carried = { reads: result.nextReads, changes: this.changes };
    }
    this.dueAt = Date.now() + this.wake.delayMs;
    await this.record(result, report, startedAt);
    recordRunMetrics(this.ref, result, Date.now() - Date.parse(startedAt));
    this.requestedRuns = this.patches.reconcileNowAfterRequest ? this.requestedRuns - requestsAnswered : 0;
    this.runToEnd = false;
    this.completedRuns += 1;
    return report;
  }

  private async reconcileNow(): Promise<RunReport> {
    this.requestedRuns += 1;
    // A run already under way started before the request: the answer is the run after it.
    const underWay = this.startedRuns > this.completedRuns && this.patches.reconcileNowAfterRequest ? 1 : 0;
    const target = this.completedRuns + underWay;
    await condition(() => this.completedRuns > target);
    return this.state.lastReport as RunReport;
  }

  private async record(result: RunResult, report: RunReport, startedAt: string): Promise<void> {
    if (!result.object) return;
    const deleting = isDeletingRun(result, this.patches.cleanupConverged);
    const status = statusOf(result, report, this.wake, startedAt, deleting);
    // Set before the loop waits (behind the patch), else at once, as before.
    if (this.patches.deferAttributes) this.attributes = { phase: status.phase, step: status.currentStep };
    else updateSearchAttributes(status.phase, status.currentStep);
    await recordOutcome(this.ref, result, status);
  }

  /** Spreads resyncs of loops started together (behind {@link LOOP_REVISION_2_PATCH}). */
  private spreadSeed(runNumber: number): string | undefined {
    return this.revision2 ? `${workflowInfo().workflowId}#${runNumber}` : undefined;
  }

  /**
   * What this run's record would be made of were its result `result` (converged or progressed, as the confirming
   * reads may find), decided with the same state the loop records it with — or nothing when the flapping guard
   * would trip (then the loop records as usual). See `confirmedRecord`.
   */
  private recordBasisFor(result: RunResult, runNumber: number, startedAt: string): RecordBasis | undefined {
    if (!result.object) return undefined;
    const report = reportOf(result, runNumber, startedAt);
    const state = nextState(this.state, report, result, true);
    const loop = result.settings?.loop ?? this.config;
    const wake = nextWake(result.outcome, state, loop, this.spreadSeed(runNumber));
    if (wake.flapping) return undefined;
    return {
      ref: this.ref,
      uid: result.object.uid,
      generation: report.generation,
      previousStatus: result.previousStatus,
      startedAt,
      deleting: isDeletingRun(result, this.patches.cleanupConverged),
    };
  }
}

/**
 * Patch: a cleanup run that converges (our finalizer was already gone when its check ran) reports the phase
 * `Deleting`, as every other cleanup run does, not `Ready`. Histories recorded before it keep `Ready` there.
 */
export const CLEANUP_CONVERGED_PATCH = 'staircase-cleanup-converged-deleting';

/**
 * The run followed the cleanup plan, for the phase; a converged one only behind {@link CLEANUP_CONVERGED_PATCH}
 * (`cleanupConverged` asks it).
 */
function isDeletingRun(result: RunResult, cleanupConverged: () => boolean): boolean {
  if (result.purpose !== 'cleanup') return false;
  return result.outcome.kind !== 'converged' || cleanupConverged();
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

/** The history figures the workflow sees in the current activation. */
function currentHistory(): HistoryFigures {
  const info = workflowInfo();
  return { length: info.historyLength, continueAsNewSuggested: info.continueAsNewSuggested };
}

function reportOf(result: RunResult, runNumber: number, startedAt: string): RunReport {
  return {
    runNumber,
    generation: result.object?.generation ?? 0,
    outcome: result.outcome,
    steps: result.steps,
    startedAt,
    ...(result.purpose === 'cleanup' ? { purpose: result.purpose } : {}),
  };
}

function statusOf(
  result: RunResult,
  report: RunReport,
  wake: WakeDecision,
  startedAt: string,
  deleting: boolean,
) {
  return statusFor({
    outcome: result.outcome,
    generation: report.generation,
    deleting,
    flapping: wake.flapping,
    previous: result.previousStatus.conditions ?? [],
    now: startedAt,
  });
}

function nextState(state: LoopState, report: RunReport, result: RunResult, revision2: boolean): LoopState {
  const uid = result.object?.uid;
  // The same name deleted and recreated is a new object: its counters start afresh, and (behind the patch) the
  // old object's pause does not carry over.
  const replaced = uid !== undefined && state.uid !== undefined && uid !== state.uid;
  const base = replaced ? { ...INITIAL_LOOP_STATE, paused: revision2 ? false : state.paused } : state;
  const next = afterRun(base, report, uid, revision2);
  return result.changedDuringRun ? { ...next, pendingChange: true } : next;
}
