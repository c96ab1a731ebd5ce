import { beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { installKind, patchSpec, startScenario } from '../support/engine.js';
import { historyEvents, localActivityTypeOf, summaryOf, timerSummaries } from '../support/history.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('runs legible in the Temporal UI', () => {
  beforeAll(() => installKind(Stack));

  it('names each check by its step and labels the timer after each run with the run’s verdict', async () => {
    const { engine, ref, handle } = await startScenario(stackOperator(), 'legible', {
      gate: 'closed',
      items: ['a'],
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'waiting');
    await patchSpec(ref, { gate: 'open' });
    await engine.signal(ref, 'spec changed');
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged' && d.runNumber === 3);
    const events = await historyEvents(engine.client, workflowIdFor(ref));

    // The timeline labels a local activity by its type: each check's type names its step.
    const checks = events.map(localActivityTypeOf).filter((type) => type.startsWith('check'));
    expect(checks).toEqual([
      ...['check validate', 'check gate'],
      ...['check validate', 'check gate', 'check ensure-a'],
      ...['check validate', 'check gate', 'check ensure-a'],
    ]);
    const labels = events.filter((e) => localActivityTypeOf(e).startsWith('check')).map(summaryOf);
    expect(labels).toEqual(checks);

    // Each run's verdict, step by step, is the label of the timer the loop sleeps on after it.
    expect(timerSummaries(events)).toEqual([
      'run 1 waiting at ⏸ gate (spec.gate is closed) after ✓ validate; next run in 3600 s or on change',
      'run 2 modified at ✎ ensure-a (created ConfigMap legible-a) after ✓ validate ✓ gate; next run in 0.1 s',
      'run 3 converged: ✓ validate ✓ gate ✓ ensure-a; next run in 3600 s or on change',
    ]);

    // The workflow's current details: the outcome line, then the last run's steps as a Markdown table.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails?.split('\n')).toEqual([
      `${ref.namespace}/legible: run 3: converged; next run in 3600 s or on change`,
      '',
      '| run 3 (generation 2) | verdict |',
      '| --- | --- |',
      '| validate | ✓ passed |',
      '| gate | ✓ passed |',
      '| ensure-a | ✓ passed |',
    ]);
  });
});
