import { describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/core/outcome.js';
import { type Condition, statusFor } from '../../src/core/status.js';

const now = '2026-11-25T10:00:00.000Z';
const base = { generation: 3, deleting: false, flapping: false, previous: [] as Condition[], now };
const byType = (conditions: readonly Condition[]) => Object.fromEntries(conditions.map((c) => [c.type, c]));

describe('statusFor', () => {
  it.each([
    [{ kind: 'converged' }, 'Ready', { Ready: 'True', Reconciling: 'False', Stalled: 'False' }],
    [
      { kind: 'modified', step: 's', reason: 'created x' },
      'Progressing',
      { Ready: 'False', Reconciling: 'True', Stalled: 'False' },
    ],
    [
      { kind: 'waiting', step: 's', reason: 'not yet' },
      'Waiting',
      { Ready: 'False', Reconciling: 'True', Stalled: 'False' },
    ],
    [
      { kind: 'failed', step: 's', reason: 'no', permanent: true, errorType: 'Refused' },
      'Failed',
      { Ready: 'False', Reconciling: 'False', Stalled: 'True' },
    ],
    [
      { kind: 'failed', step: 's', reason: 'no', permanent: false, errorType: 'RetriesExhausted' },
      'Failed',
      { Ready: 'False', Reconciling: 'True', Stalled: 'False' },
    ],
  ] as [RunOutcome, string, Record<string, string>][])(
    'maps %o to phase %s and kstatus conditions',
    (outcome, phase, statuses) => {
      const status = statusFor({ ...base, outcome });
      expect(status.phase).toBe(phase);
      const conditions = byType(status.conditions);
      for (const [type, value] of Object.entries(statuses)) expect(conditions[type]?.status).toBe(value);
      expect(status.observedGeneration).toBe(3);
      expect(status.conditions.every((c) => c.observedGeneration === 3)).toBe(true);
    },
  );

  it('names the step and its reason in the messages', () => {
    const status = statusFor({
      ...base,
      outcome: { kind: 'waiting', step: 'deployment-available', reason: '1 of 3 replicas' },
    });
    expect(byType(status.conditions).Ready?.message).toBe('step deployment-available: 1 of 3 replicas');
    expect(status.currentStep).toBe('deployment-available');
  });

  it('keeps lastTransitionTime of a condition whose status did not change, and moves it when it did', () => {
    const earlier = '2026-11-24T00:00:00.000Z';
    const previous: Condition[] = [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Waiting',
        message: '',
        lastTransitionTime: earlier,
        observedGeneration: 2,
      },
      {
        type: 'Stalled',
        status: 'False',
        reason: 'Waiting',
        message: '',
        lastTransitionTime: earlier,
        observedGeneration: 2,
      },
    ];
    const status = statusFor({ ...base, previous, outcome: { kind: 'converged' } });
    expect(byType(status.conditions).Ready?.lastTransitionTime).toBe(now);
    expect(byType(status.conditions).Stalled?.lastTransitionTime).toBe(earlier);
  });

  it('reports flapping as Stalled with reason Flapping', () => {
    const status = statusFor({
      ...base,
      flapping: true,
      outcome: { kind: 'modified', step: 'a', reason: 'set' },
    });
    expect(status.phase).toBe('Stalled');
    expect(byType(status.conditions).Stalled).toMatchObject({ status: 'True', reason: 'Flapping' });
  });

  it('makes any error type a valid condition reason', () => {
    const outcome: RunOutcome = { kind: 'failed', reason: 'x', permanent: true, errorType: '404 not-found!' };
    expect(byType(statusFor({ ...base, outcome }).conditions).Ready?.reason).toBe('E404notfound');
  });
});
