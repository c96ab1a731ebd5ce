import { describe, expect, it } from 'vitest';
import type { WakeDecision } from '../../src/core/loop.js';
import type { RunOutcome, RunReport, StepRecord } from '../../src/core/outcome.js';
import { runSummary, runTable, shortReason } from '../../src/core/run-summary.js';

const report = (outcome: RunOutcome, steps: StepRecord[] = [], runNumber = 3): RunReport => ({
  runNumber,
  generation: 2,
  outcome,
  steps,
  startedAt: '2026-01-01T00:00:00.000Z',
});
const soon: WakeDecision = { delayMs: 2_000, wakeOnChange: false, flapping: false };
const later: WakeDecision = { delayMs: 3_600_000, wakeOnChange: true, flapping: false };

describe('a run in one line', () => {
  it.each([
    {
      what: 'a modifying run names the applied step first, with what it found, then the steps that passed',
      report: report({ kind: 'modified', step: 'ensure-a', reason: 'created ConfigMap x-a' }, [
        { step: 'validate', result: 'passed' },
        { step: 'ensure-a', result: 'fixed', reason: 'created ConfigMap x-a' },
      ]),
      wake: soon,
      line: 'run 3 modified at ✎ ensure-a (created ConfigMap x-a) after ✓ validate; next run in 2 s',
    },
    {
      what: 'a converged run passes every step',
      report: report({ kind: 'converged' }, [
        { step: 'validate', result: 'passed' },
        { step: 'ensure-a', result: 'passed' },
      ]),
      wake: later,
      line: 'run 3 converged: ✓ validate ✓ ensure-a; next run in 3600 s or on change',
    },
    {
      what: 'a waiting run says what it waits for',
      report: report({ kind: 'waiting', step: 'gate', reason: 'spec.gate is closed' }, [
        { step: 'gate', result: 'waiting', reason: 'spec.gate is closed' },
      ]),
      wake: later,
      line: 'run 3 waiting at ⏸ gate (spec.gate is closed); next run in 3600 s or on change',
    },
    {
      what: 'a run without steps gives the outcome’s reason',
      report: report({
        kind: 'failed',
        reason: 'spec.replicas: must not be negative',
        permanent: true,
        errorType: 'InvalidSpec',
      }),
      wake: later,
      line: 'run 3 failed: spec.replicas: must not be negative; next run in 3600 s or on change',
    },
    {
      what: 'a flapping run says it backs off',
      report: report({ kind: 'modified', step: 'set-a', reason: 'set value a' }, [
        { step: 'set-a', result: 'fixed', reason: 'set value a' },
      ]),
      wake: { delayMs: 60_000, wakeOnChange: true, flapping: true },
      line: 'run 3 modified (flapping, backing off) at ✎ set-a (set value a); next run in 60 s or on change',
    },
    {
      what: 'a deleted run has no next run',
      report: report({ kind: 'deleted' }),
      wake: later,
      line: 'run 3 deleted',
    },
  ])('$what', ({ report, wake, line }) => {
    expect(runSummary(report, wake)).toBe(line);
  });

  it('keeps a long reason to one short line', () => {
    expect(shortReason('a\n  b '.repeat(50), 10)).toBe('a b a b a…');
  });
});

describe('the last run as a Markdown table', () => {
  it('lists each step with its verdict and what it found, pipes escaped', () => {
    const table = runTable(
      report({ kind: 'waiting', step: 'gate', reason: 'a | b' }, [
        { step: 'validate', result: 'passed' },
        { step: 'gate', result: 'waiting', reason: 'a | b' },
      ]),
    );
    expect(table.split('\n')).toEqual([
      '| run 3 (generation 2) | verdict | found |',
      '| --- | --- | --- |',
      '| validate | ✓ passed |  |',
      '| gate | ⏸ waiting | a \\| b |',
    ]);
  });

  it('leaves out the found column when every step passed, and the table when no step ran', () => {
    const passed = report({ kind: 'converged' }, [{ step: 'validate', result: 'passed' }]);
    expect(runTable(passed).split('\n')).toEqual([
      '| run 3 (generation 2) | verdict |',
      '| --- | --- |',
      '| validate | ✓ passed |',
    ]);
    expect(runTable(report({ kind: 'deleted' }))).toBe('');
  });
});
