import { backoffDelay } from './backoff.js';
import { appliedStepOf, type OutcomeKind, type RunOutcome, type RunReport } from './outcome.js';

/** Timing and guard settings of a resource's control loop. Plain data; part of the workflow's input. */
export interface LoopConfig {
  /**
   * After a converged run, look again after this long (less up to 10 % spread per loop, so that resources created
   * together do not all resync at once). Changes of the resource and its children wake it earlier.
   */
  readonly resyncIntervalMs: number;
  /**
   * The longest a waiting run sleeps (`waitFor` without a delay waits this long, or for a change). Absent in inputs
   * of loops started before it existed: `resyncIntervalMs` then.
   */
  readonly maxWaitMs?: number;
  /** After a modifying run, the next run starts no sooner than this (no hot loops). */
  readonly minModifyDelayMs: number;
  /** After a run that failed with retries exhausted: first backoff, doubled per failure up to the maximum. */
  readonly failureBackoffMs: number;
  readonly maxFailureBackoffMs: number;
  /** After a permanent failure: next run on the next change, or after this long. */
  readonly permanentFailureBackoffMs: number;
  /**
   * A step that modifies this many times in one streak of modifying runs (no converged or waiting run between)
   * is fighting another step or another controller: back off and report it. A plan converging from scratch
   * applies each step once, so it never trips.
   */
  readonly flapLimit: number;
  readonly flapBackoffMs: number;
  /** Continue-as-new once history has this many events (Temporal also suggests it at ~4,096). */
  readonly maxHistoryEvents: number;
  /**
   * Before the loop rests (it sleeps until a change or a timer: converged, waiting, backing off), continue-as-new
   * once history has this many events. A loop no longer in the worker's cache replays its whole history when it
   * wakes, so this bounds what every resync of a long-lived idle loop replays (about 16 idle runs' worth) instead of
   * letting it grow to `maxHistoryEvents`. Absent in inputs of loops started before it existed: the default then.
   */
  readonly idleHistoryEvents?: number;
}

/** Default of {@link LoopConfig.idleHistoryEvents}, also for inputs without it. */
const IDLE_HISTORY_EVENTS = 100;

/**
 * Defaults for {@link LoopConfig}.
 *
 * The resync is 10 hours, as controller-runtime's `SyncPeriod` and the Java Operator SDK's
 * `maxReconciliationInterval`: changes of the resource and of its children wake a loop at once, so the resync only
 * catches drift no watch reports, while at rest every resync is a run of every loop (what that costs:
 * docs/performance.md). Operators whose steps read state outside Kubernetes set a shorter one.
 */
export const DEFAULT_LOOP_CONFIG: LoopConfig = {
  resyncIntervalMs: 10 * 60 * 60_000,
  maxWaitMs: 5 * 60_000,
  minModifyDelayMs: 1_000,
  failureBackoffMs: 10_000,
  maxFailureBackoffMs: 5 * 60_000,
  permanentFailureBackoffMs: 30 * 60_000,
  flapLimit: 3,
  flapBackoffMs: 5 * 60_000,
  maxHistoryEvents: 2_000,
  idleHistoryEvents: IDLE_HISTORY_EVENTS,
};

/** The control loop's state: everything carried across continue-as-new. */
export interface LoopState {
  /** `metadata.uid` of the object this loop reconciles, once seen. */
  readonly uid?: string;
  readonly runNumber: number;
  /** A change arrived that no run has looked at yet. */
  readonly pendingChange: boolean;
  readonly consecutiveModifying: number;
  /** How often each step modified in the current streak of modifying runs. */
  readonly streakApplies: Readonly<Record<string, number>>;
  readonly consecutiveFailures: number;
  readonly paused: boolean;
  readonly lastReport?: RunReport;
  /** Epoch ms of the next planned run, for the query. */
  readonly nextRunAt?: number;
  /** The next run as planned when continuing as new, so the new run keeps it (absent in older histories). */
  readonly planned?: PlannedWake;
}

/** A planned next run: when it is due and what may bring it forward. Plain data, carried across continue-as-new. */
export interface PlannedWake {
  /** Epoch ms the next run is due. */
  readonly atMs: number;
  readonly wakeOnChange: boolean;
  readonly flapping: boolean;
}

/** The state of a new loop. */
export const INITIAL_LOOP_STATE: LoopState = {
  runNumber: 0,
  pendingChange: true,
  consecutiveModifying: 0,
  streakApplies: {},
  consecutiveFailures: 0,
  paused: false,
};

/** When to run next, and why. */
export interface WakeDecision {
  /** Sleep this long unless a change arrives first. */
  readonly delayMs: number;
  /** Whether a change signal may cut the sleep short. False only for the minimum delay after a modification. */
  readonly wakeOnChange: boolean;
  /** Steps keep modifying without converging: the loop backs off and reports it. */
  readonly flapping: boolean;
}

/**
 * Decides when the next run happens after `outcome`, given the counters already updated by {@link afterRun}.
 *
 * - converged → after the resync interval (spread by `spreadSeed` when given, see {@link spread}), or on the next
 *   change;
 * - modified → after the minimum delay (a change does not shorten it), or at once when the run's reads after
 *   its apply showed progress (`progressed`); when the step has now modified `flapLimit` times in this streak
 *   (the flapping guard), after the flap backoff instead;
 * - converged by the run's own apply (its reads after the apply found every step passing): as converged, unless
 *   the flapping guard tripped — the streak counts such runs too, so a fight with another writer is still caught;
 * - waiting → after the step's delay (no less than the minimum delay, no more than `maxWaitMs`), or on
 *   the next change;
 * - failed → permanent: on the next change or after the long backoff; otherwise exponential backoff;
 * - deleted → never (the loop ends; callers do not ask).
 */
export function nextWake(
  outcome: RunOutcome,
  state: LoopState,
  config: LoopConfig,
  spreadSeed?: string,
): WakeDecision {
  const resync =
    spreadSeed === undefined ? config.resyncIntervalMs : spread(config.resyncIntervalMs, spreadSeed);
  const maxWait = config.maxWaitMs ?? config.resyncIntervalMs;
  switch (outcome.kind) {
    case 'converged':
    case 'deleted':
      if (appliedStepOf(outcome) && flapTripped(outcome, state, config))
        return { delayMs: config.flapBackoffMs, wakeOnChange: true, flapping: true };
      return { delayMs: resync, wakeOnChange: true, flapping: false };
    case 'modified':
      if (flapTripped(outcome, state, config))
        return { delayMs: config.flapBackoffMs, wakeOnChange: true, flapping: true };
      return outcome.progressed
        ? { delayMs: 0, wakeOnChange: true, flapping: false }
        : { delayMs: config.minModifyDelayMs, wakeOnChange: false, flapping: false };
    case 'waiting':
      return {
        // Floored at the minimum delay: `waitFor(reason, 0)` must not become a hot loop.
        delayMs: Math.max(config.minModifyDelayMs, Math.min(outcome.delayMs ?? maxWait, maxWait)),
        wakeOnChange: true,
        flapping: false,
      };
    case 'failed':
      return {
        delayMs: outcome.permanent
          ? config.permanentFailureBackoffMs
          : backoffDelay(state.consecutiveFailures, {
              initialMs: config.failureBackoffMs,
              maxMs: config.maxFailureBackoffMs,
            }),
        wakeOnChange: true,
        flapping: false,
      };
  }
}

/**
 * `intervalMs` less up to 10 %, the same for the same `seed` (a loop's id and run number: decided state, so the
 * same on replay), spread evenly across seeds.
 */
export function spread(intervalMs: number, seed: string): number {
  let hash = 2166136261;
  for (let i = 0; i < seed.length; i += 1) hash = Math.imul(hash ^ seed.charCodeAt(i), 16777619);
  const fraction = (hash >>> 0) / 2 ** 32;
  return Math.round(intervalMs * (1 - 0.1 * fraction));
}

/** True when the step `outcome` applied has now modified `flapLimit` times in this streak. */
function flapTripped(outcome: RunOutcome, state: LoopState, config: LoopConfig): boolean {
  const applied = appliedStepOf(outcome);
  return applied !== undefined && (state.streakApplies[applied.step] ?? 0) >= config.flapLimit;
}

/**
 * The loop state after a run with `report`: counters updated, the pending change consumed.
 *
 * With `streakPerGeneration` (loops whose runs confirm their applies, which are no longer followed by a converging
 * run), a new generation starts the modifying streak afresh: spec edits one after another are progress, while a
 * fight (steps or another writer undoing each other's work) happens at one generation.
 */
export function afterRun(
  state: LoopState,
  report: RunReport,
  uid: string | undefined,
  streakPerGeneration = false,
): LoopState {
  const kind: OutcomeKind = report.outcome.kind;
  const applied = appliedStepOf(report.outcome);
  const newGeneration = streakPerGeneration && report.generation !== state.lastReport?.generation;
  const streak = newGeneration ? {} : state.streakApplies;
  return {
    ...state,
    ...(uid === undefined ? {} : { uid }),
    runNumber: report.runNumber,
    consecutiveModifying: applied ? (newGeneration ? 0 : state.consecutiveModifying) + 1 : 0,
    streakApplies: applied ? { ...streak, [applied.step]: (streak[applied.step] ?? 0) + 1 } : {},
    consecutiveFailures: kind === 'failed' ? state.consecutiveFailures + 1 : 0,
    lastReport: report,
  };
}

/** The plan to carry across continue-as-new: `wake` as decided, due at `atMs`. */
export function planWake(wake: WakeDecision, atMs: number): PlannedWake {
  return { atMs, wakeOnChange: wake.wakeOnChange, flapping: wake.flapping };
}

/** The wake decision of a run that continued from `planned`, at `nowMs`: what is left of the delay. */
export function wakeFromPlan(planned: PlannedWake, nowMs: number): WakeDecision {
  return {
    delayMs: timerLength(planned.atMs, nowMs),
    wakeOnChange: planned.wakeOnChange,
    flapping: planned.flapping,
  };
}

/** The shortest timer the loop starts: 1 ms. */
export const MIN_TIMER_MS = 1;

/**
 * How long to sleep until `dueAtMs`, seen at `nowMs`: never less than {@link MIN_TIMER_MS}.
 *
 * Why never 0: `condition(fn, 0)` makes the SDK record a patch marker of its own, and a workflow's clock is not
 * guaranteed to read the same after a local activity when a history is replayed; a delay that is 0 live and 1 on
 * replay (or the reverse) would then break replay. A 1 ms timer is the same command either way.
 */
export function timerLength(dueAtMs: number, nowMs: number): number {
  return Math.max(MIN_TIMER_MS, dueAtMs - nowMs);
}

/** What a look at the object between runs found. */
export type ObjectSeen =
  | { readonly kind: 'gone' }
  | { readonly kind: 'present'; readonly uid: string; readonly generation: number }
  /** The look failed (say, the API server is unreachable). */
  | { readonly kind: 'unknown' };

/** How the object differs from what the last run saw. */
export type ObjectChange = 'gone' | 'replaced' | 'spec-changed' | 'unchanged' | 'unknown';

/** Compares what a look found with the last run: gone, a new object under the same name, a new generation, or none. */
export function objectChange(state: LoopState, seen: ObjectSeen): ObjectChange {
  if (seen.kind !== 'present') return seen.kind;
  if (state.uid !== undefined && seen.uid !== state.uid) return 'replaced';
  const generation = state.lastReport?.generation;
  return generation === undefined || seen.generation !== generation ? 'spec-changed' : 'unchanged';
}

/** Where a change signal found the loop when it looked: paused, or backing off from a fight. */
export type IdleSituation = 'paused' | 'flap-backoff';

/** What the loop does about a change: run now, start afresh (a new object: no pause, counters reset), or sleep on. */
export type ChangeAction = 'run' | 'start-afresh' | 'ignore';

/**
 * Decides what a change signal may do while the loop is idle on purpose.
 *
 * - paused: only the object's end wakes it — gone → run (a run of a gone object only ends the loop); replaced →
 *   start afresh (the pause was for the old object); anything else waits for `resume`;
 * - flap backoff: only a spec change (new generation), the object's end or its replacement wakes it; the children
 *   the fight keeps modifying do not.
 */
export function actOnChange(situation: IdleSituation, change: ObjectChange): ChangeAction {
  if (change === 'replaced') return 'start-afresh';
  if (change === 'gone') return 'run';
  if (situation === 'flap-backoff' && change === 'spec-changed') return 'run';
  return 'ignore';
}

/** History figures of the current run, as the workflow sees them. */
export interface HistoryFigures {
  readonly length: number;
  readonly continueAsNewSuggested: boolean;
}

/**
 * Events one run or one look adds to history between two waits of the loop, as {@link historySinceWake} estimates
 * it: a marker per local activity (the reads, the apply and its confirmation, the record), a search-attribute upsert,
 * a timer cancelled. Workflow tasks forced in between (a local activity past the task's heartbeat, a query) add more.
 */
export const EVENTS_PER_RUN_OR_LOOK = 5;

/**
 * The history figures to decide continue-as-new with, after `runsAndLooks` runs and looks since the loop last woke
 * from a wait: the figures read at that wake, plus {@link EVENTS_PER_RUN_OR_LOOK} each.
 *
 * Why not the length the workflow sees now: after a local activity, that depends on timing the history does not
 * keep. A query answered while the activity runs makes the SDK deliver its result in a new workflow task (a length
 * 5 events on), while replay delivers it in the task that started it; a decision read there continues as new live
 * and starts a timer on replay. A wake (a timer, a signal, an update) is never a local activity's result: its
 * length is the same live and on replay. The estimate may run short of the true length; the next wake reads it anew.
 */
export function historySinceWake(atWake: HistoryFigures, runsAndLooks: number): HistoryFigures {
  return {
    length: atWake.length + EVENTS_PER_RUN_OR_LOOK * runsAndLooks,
    continueAsNewSuggested: atWake.continueAsNewSuggested,
  };
}

/**
 * True when the loop should continue as new: Temporal suggests it, history reached `maxHistoryEvents`, or the loop
 * is about to rest (`resting`, see {@link restsAfter}) with history past `idleHistoryEvents`.
 */
export function historyFull(
  history: HistoryFigures,
  config: Pick<LoopConfig, 'maxHistoryEvents' | 'idleHistoryEvents'>,
  resting = false,
): boolean {
  return (
    history.continueAsNewSuggested ||
    history.length >= config.maxHistoryEvents ||
    (resting && history.length >= (config.idleHistoryEvents ?? IDLE_HISTORY_EVENTS))
  );
}

/** True when the loop sleeps until a change or a timer of its own, rather than running again soon by itself. */
export function restsAfter(wake: WakeDecision): boolean {
  return wake.wakeOnChange && wake.delayMs > 0;
}
