import { describe, expect, it } from 'vitest';
import type { LoopState, WakeDecision } from '../../src/core/loop.js';
import { INITIAL_LOOP_STATE } from '../../src/core/loop.js';
import type { RunOutcome } from '../../src/core/outcome.js';
import { type Phase, phaseOf } from '../../src/core/phase.js';
import type { ResourceRef } from '../../src/core/resource-ref.js';
import { statusFor } from '../../src/core/status.js';
import { describeLoop } from '../../src/workflows/describe.js';

const converged: RunOutcome = { kind: 'converged' };
const modified: RunOutcome = { kind: 'modified', step: 'delete-children', reason: 'deleted 2 ConfigMaps' };
const waiting: RunOutcome = { kind: 'waiting', step: 'drain', reason: '1 connection left' };
const failed: RunOutcome = { kind: 'failed', step: 's', reason: 'no', permanent: true, errorType: 'Refused' };
const retrying: RunOutcome = {
  kind: 'failed',
  reason: 'down',
  permanent: false,
  errorType: 'RetriesExhausted',
};
const deleted: RunOutcome = { kind: 'deleted' };

const reconcile = { deleting: false, flapping: false };
const cleanup = { deleting: true, flapping: false };
const fighting = { deleting: false, flapping: true };
const fightingInCleanup = { deleting: true, flapping: true };

/** Each run and the one phase the status, the search attribute and the query give it. */
const cases: [string, RunOutcome, { deleting: boolean; flapping: boolean }, Phase][] = [
  ['a converged run is Ready', converged, reconcile, 'Ready'],
  ['a modifying run is Progressing', modified, reconcile, 'Progressing'],
  ['a waiting run is Waiting', waiting, reconcile, 'Waiting'],
  ['a permanent failure is Failed', failed, reconcile, 'Failed'],
  ['a failure after retries is Failed', retrying, reconcile, 'Failed'],
  ['a modifying run that trips the flapping guard is Stalled', modified, fighting, 'Stalled'],
  ['a cleanup run that modified is Deleting', modified, cleanup, 'Deleting'],
  ['a cleanup run that waits is Deleting', waiting, cleanup, 'Deleting'],
  [
    'a cleanup run that converged (the finalizer was already gone) is Deleting',
    converged,
    cleanup,
    'Deleting',
  ],
  ['a cleanup run that failed is Failed', failed, cleanup, 'Failed'],
  ['a cleanup run whose steps fight is Stalled', modified, fightingInCleanup, 'Stalled'],
  ['the object gone is Deleted', deleted, reconcile, 'Deleted'],
];

const wake = (flapping: boolean): WakeDecision => ({ delayMs: 1_000, wakeOnChange: true, flapping });
const ref: ResourceRef = {
  group: 'example.staircase.dev',
  version: 'v1',
  kind: 'Website',
  plural: 'websites',
  namespace: 'default',
  name: 'blog',
};

function queried(
  outcome: RunOutcome,
  run: { deleting: boolean; flapping: boolean },
  extra: Partial<LoopState> = {},
) {
  const lastReport = {
    runNumber: 4,
    generation: 2,
    outcome,
    steps: [],
    startedAt: '2026-11-30T10:00:00.000Z',
    ...(run.deleting ? { purpose: 'cleanup' as const } : {}),
  };
  const state: LoopState = { ...INITIAL_LOOP_STATE, runNumber: 4, lastReport, ...extra };
  return describeLoop({ ref, state, wake: wake(run.flapping), running: false }).phase;
}

describe('phaseOf', () => {
  it.each(cases)('%s', (_name, outcome, run, phase) => {
    expect(phaseOf({ outcome, ...run })).toBe(phase);
  });

  it.each(cases)(
    '%s: the status on the object and the describe query agree',
    (_name, outcome, run, phase) => {
      const status = statusFor({
        outcome,
        ...run,
        generation: 2,
        previous: [],
        now: '2026-11-30T10:00:00.000Z',
      });
      expect(status.phase).toBe(phase);
      expect(queried(outcome, run)).toBe(phase);
    },
  );

  it('says Deleting in the query while cleanup runs, where it used to say Progressing and Waiting', () => {
    expect(queried(modified, cleanup)).toBe('Deleting');
    expect(queried(waiting, cleanup)).toBe('Deleting');
  });

  it('leaves the loop states to the query: Pending before any run, Paused while paused', () => {
    const state = { ...INITIAL_LOOP_STATE };
    expect(describeLoop({ ref, state, wake: wake(false), running: false }).phase).toBe('Pending');
    expect(queried(modified, cleanup, { paused: true })).toBe('Paused');
  });
});
