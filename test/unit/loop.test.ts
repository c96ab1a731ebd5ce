import { describe, expect, it } from 'vitest';
import {
  actOnChange,
  afterRun,
  type ChangeAction,
  DEFAULT_LOOP_CONFIG,
  EVENTS_PER_RUN_OR_LOOK,
  historyFull,
  historySinceWake,
  type IdleSituation,
  INITIAL_LOOP_STATE,
  type LoopState,
  MIN_TIMER_MS,
  nextWake,
  type ObjectChange,
  type ObjectSeen,
  objectChange,
  planWake,
  restsAfter,
  spread,
  timerLength,
  wakeFromPlan,
} from '../../src/core/loop.js';
import type { RunOutcome, RunReport } from '../../src/core/outcome.js';

const config = { ...DEFAULT_LOOP_CONFIG, minModifyDelayMs: 1_000, resyncIntervalMs: 300_000, flapLimit: 3 };
const report = (outcome: RunOutcome, runNumber = 1): RunReport => ({
  runNumber,
  generation: 1,
  outcome,
  steps: [],
  startedAt: '2026-01-01T00:00:00.000Z',
});
const modified = (step: string): RunOutcome => ({ kind: 'modified', step, reason: 'fixed' });
const failed = (permanent: boolean): RunOutcome => ({
  kind: 'failed',
  reason: 'x',
  permanent,
  errorType: 'E',
});

function replay(outcomes: readonly RunOutcome[]): LoopState {
  return outcomes.reduce(
    (state, outcome, i) => afterRun(state, report(outcome, i + 1), 'uid'),
    INITIAL_LOOP_STATE,
  );
}

describe('nextWake', () => {
  it.each([
    ['converged', [{ kind: 'converged' }], { delayMs: 300_000, wakeOnChange: true, flapping: false }],
    ['modified', [modified('a')], { delayMs: 1_000, wakeOnChange: false, flapping: false }],
    [
      'waiting with a delay',
      [{ kind: 'waiting', step: 's', reason: 'r', delayMs: 5_000 }],
      { delayMs: 5_000, wakeOnChange: true },
    ],
    [
      'waiting without a delay',
      [{ kind: 'waiting', step: 's', reason: 'r' }],
      { delayMs: 300_000, wakeOnChange: true },
    ],
    [
      'waiting for no time at all (floored at the minimum delay)',
      [{ kind: 'waiting', step: 's', reason: 'r', delayMs: 0 }],
      { delayMs: 1_000, wakeOnChange: true },
    ],
    [
      'waiting longer than resync',
      [{ kind: 'waiting', step: 's', reason: 'r', delayMs: 9e9 }],
      { delayMs: 300_000 },
    ],
    [
      'a permanent failure',
      [failed(true)],
      { delayMs: DEFAULT_LOOP_CONFIG.permanentFailureBackoffMs, wakeOnChange: true },
    ],
    ['a first transient failure', [failed(false)], { delayMs: 10_000 }],
    ['a third transient failure', [failed(false), failed(false), failed(false)], { delayMs: 40_000 }],
    ['many transient failures', Array(20).fill(failed(false)), { delayMs: 300_000 }],
    [
      'a plan converging from scratch',
      [modified('a'), modified('b'), modified('c'), modified('d')],
      { flapping: false },
    ],
    [
      'a step modifying for the third time in a streak',
      [modified('a'), modified('b'), modified('a'), modified('b'), modified('a')],
      { flapping: true, delayMs: DEFAULT_LOOP_CONFIG.flapBackoffMs },
    ],
    [
      'a streak broken by convergence',
      [modified('a'), modified('a'), { kind: 'converged' }, modified('a')],
      { flapping: false },
    ],
  ] as [string, RunOutcome[], object][])('after %s', (_, outcomes, expected) => {
    const state = replay(outcomes);
    expect(nextWake(outcomes.at(-1) as RunOutcome, state, config)).toMatchObject(expected);
  });
});

describe('afterRun', () => {
  it('counts consecutive modifying and failed runs and resets them on other outcomes', () => {
    expect(replay([modified('a'), modified('b')])).toMatchObject({
      consecutiveModifying: 2,
      streakApplies: { a: 1, b: 1 },
    });
    expect(replay([modified('a'), { kind: 'converged' }])).toMatchObject({
      consecutiveModifying: 0,
      streakApplies: {},
    });
    expect(replay([failed(false), failed(true)])).toMatchObject({ consecutiveFailures: 2 });
    expect(replay([failed(false), modified('a')])).toMatchObject({
      consecutiveFailures: 0,
      runNumber: 2,
      uid: 'uid',
    });
  });
});

describe('the planned run across continue-as-new', () => {
  it.each([
    ['a backoff with time left', 10_000, 4_000, 6_000],
    ['a backoff already over (never a zero timer)', 10_000, 12_000, 1],
    ['a run due at once (never a zero timer)', 0, 0, 1],
  ])('%s', (_, delayMs, elapsedMs, leftMs) => {
    const wake = { delayMs, wakeOnChange: false, flapping: true };
    const planned = planWake(wake, 1_000_000 + delayMs);
    expect(wakeFromPlan(planned, 1_000_000 + elapsedMs)).toEqual({ ...wake, delayMs: leftMs });
  });
});

describe('resyncs spread across loops', () => {
  it('takes up to 10 % off the interval, the same for the same seed', () => {
    const delays = Array.from({ length: 200 }, (_, i) => spread(60_000, `loop-${i}#1`));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(54_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(60_000);
    expect(new Set(delays).size).toBeGreaterThan(150);
    expect(spread(60_000, 'loop-7#3')).toBe(spread(60_000, 'loop-7#3'));
  });

  it('rests 9 to 10 hours after converging by default, or until a change', () => {
    const converged = { kind: 'converged' } as const;
    const delays = Array.from(
      { length: 50 },
      (_, i) => nextWake(converged, INITIAL_LOOP_STATE, DEFAULT_LOOP_CONFIG, `loop-${i}#1`).delayMs,
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(9 * 3_600_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10 * 3_600_000);
    expect(nextWake(converged, INITIAL_LOOP_STATE, DEFAULT_LOOP_CONFIG).wakeOnChange).toBe(true);
  });

  it('caps a wait at maxWaitMs, or at the resync interval for loops started without it', () => {
    const waiting = { kind: 'waiting', step: 'gate', reason: 'closed' } as const;
    const config = { ...DEFAULT_LOOP_CONFIG, resyncIntervalMs: 1_800_000, maxWaitMs: 300_000 };
    expect(nextWake(waiting, INITIAL_LOOP_STATE, config).delayMs).toBe(300_000);
    const { maxWaitMs: _absent, ...older } = config;
    expect(nextWake(waiting, INITIAL_LOOP_STATE, older).delayMs).toBe(1_800_000);
  });
});

describe('timer lengths', () => {
  it.each([
    [5_000, 1_000, 4_000],
    [5_000, 5_000, MIN_TIMER_MS],
    [5_000, 9_000, MIN_TIMER_MS],
  ])('due at %i, seen at %i: sleeps %i ms', (dueAt, now, expected) => {
    expect(timerLength(dueAt, now)).toBe(expected);
  });
});

describe('changes while idle on purpose', () => {
  const seen = (uid: string, generation: number): ObjectSeen => ({ kind: 'present', uid, generation });
  const state: LoopState = { ...replay([modified('a')]), uid: 'u1' };

  it.each([
    ['gone', { kind: 'gone' }, 'gone'],
    ['the look failed', { kind: 'unknown' }, 'unknown'],
    ['another uid', seen('u2', 1), 'replaced'],
    ['a new generation', seen('u1', 2), 'spec-changed'],
    ['the same generation', seen('u1', 1), 'unchanged'],
  ] as [string, ObjectSeen, ObjectChange][])('classifies %s', (_, observed, expected) => {
    expect(objectChange(state, observed)).toBe(expected);
  });

  it.each([
    ['paused', 'gone', 'run'],
    ['paused', 'replaced', 'start-afresh'],
    ['paused', 'spec-changed', 'ignore'],
    ['paused', 'unchanged', 'ignore'],
    ['paused', 'unknown', 'ignore'],
    ['flap-backoff', 'gone', 'run'],
    ['flap-backoff', 'replaced', 'start-afresh'],
    ['flap-backoff', 'spec-changed', 'run'],
    ['flap-backoff', 'unchanged', 'ignore'],
    ['flap-backoff', 'unknown', 'ignore'],
  ] as [IdleSituation, ObjectChange, ChangeAction][])('%s, object %s: %s', (situation, change, action) => {
    expect(actOnChange(situation, change)).toBe(action);
  });
});

describe('historyFull', () => {
  it.each([
    [{ length: 10, continueAsNewSuggested: false }, false],
    [{ length: 40, continueAsNewSuggested: false }, true],
    [{ length: 10, continueAsNewSuggested: true }, true],
  ])('%o → %s', (history, full) => {
    expect(historyFull(history, { maxHistoryEvents: 40 })).toBe(full);
  });

  it('applies the idle budget only to a loop about to rest, and the default budget to inputs without one', () => {
    const history = { length: 120, continueAsNewSuggested: false };
    expect(historyFull(history, { maxHistoryEvents: 2_000, idleHistoryEvents: 100 }, true)).toBe(true);
    expect(historyFull(history, { maxHistoryEvents: 2_000, idleHistoryEvents: 100 }, false)).toBe(false);
    expect(historyFull(history, { maxHistoryEvents: 2_000, idleHistoryEvents: 200 }, true)).toBe(false);
    expect(historyFull(history, { maxHistoryEvents: 2_000 }, true)).toBe(true);
  });
});

describe('historySinceWake', () => {
  it('adds an estimate per run and look to the figures read at the wake, keeping its suggestion', () => {
    const atWake = { length: 96, continueAsNewSuggested: false };
    expect(historySinceWake(atWake, 0)).toEqual(atWake);
    expect(historySinceWake(atWake, 2).length).toBe(96 + 2 * EVENTS_PER_RUN_OR_LOOK);
    expect(historySinceWake({ length: 3, continueAsNewSuggested: true }, 1).continueAsNewSuggested).toBe(
      true,
    );
  });
});

describe('restsAfter', () => {
  it('is true for a sleep a change may end, false for the minimum delay and for a run due at once', () => {
    expect(restsAfter({ delayMs: 1_800_000, wakeOnChange: true, flapping: false })).toBe(true);
    expect(restsAfter({ delayMs: 1_000, wakeOnChange: false, flapping: false })).toBe(false);
    expect(restsAfter({ delayMs: 0, wakeOnChange: true, flapping: false })).toBe(false);
  });
});
