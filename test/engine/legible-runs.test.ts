import { beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { installKind, patchSpec, startScenario } from '../support/engine.js';
import { historyEvents, localActivityTypeOf, summaryOf, timerSummaries } from '../support/history.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('runs legible in the Temporal UI', () => {
  beforeAll(() => installKind(Stack));

  it('labels each run’s reads by its number and the timer after each run with the run’s verdict, step by step', async () => {
    const { engine, ref, handle } = await startScenario(stackOperator(), 'legible', {
      gate: 'closed',
      items: ['a'],
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'waiting');
    await patchSpec(ref, { gate: 'open' });
    await engine.signal(ref, 'spec changed');
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged' && d.runNumber === 2);
    const events = await historyEvents(engine.client, workflowIdFor(ref));

    // The timeline labels a local activity by its summary: a run's reads, and its apply with the same reads after it.
    const reads = events.map(localActivityTypeOf).filter((type) => type !== '');
    expect(reads).toEqual(['evaluateRun', 'recordRun', 'evaluateRun', 'apply ensure-a']);
    expect(events.filter((e) => localActivityTypeOf(e) !== '').map(summaryOf)).toEqual([
      'evaluate run 1',
      'record run',
      'evaluate run 2',
      'apply ensure-a and confirm run 2',
    ]);

    // Each run's verdict, step by step, is the label of the timer the loop sleeps on after it. (A converged loop's
    // next run comes after the resync interval less up to 10 %: shown here as `N`.)
    const resync = (text: string | undefined) => text?.replace(/next run in 3[2-6]\d\d s/, 'next run in N s');
    expect(timerSummaries(events).map(resync)).toEqual([
      'run 1 waiting at ⏸ gate (spec.gate is closed) after ✓ validate; next run in 300 s or on change',
      'run 2 converged at ✎ ensure-a (created ConfigMap legible-a) after ✓ validate ✓ gate; next run in N s or on change',
    ]);

    // The workflow's current details: the outcome line, then the last run's steps as a Markdown table.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails?.split('\n').map(resync)).toEqual([
      `${ref.namespace}/legible: run 2: converged; next run in N s or on change`,
      '',
      '| run 2 (generation 2) | verdict | found |',
      '| --- | --- | --- |',
      '| validate | ✓ passed |  |',
      '| gate | ✓ passed |  |',
      '| ensure-a | ✎ fixed | created ConfigMap legible-a |',
    ]);
  });
});
