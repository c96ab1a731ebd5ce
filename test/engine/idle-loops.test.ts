import { CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { startOperatorTest } from '../../src/testing/index.js';
import { describeQuery, pauseSignal, resumeSignal } from '../../src/workflows/contract.js';
import {
  createResource,
  HISTORIES_DIR,
  installKind,
  RECORDING_REVISION,
  startScenario,
  testServers,
} from '../support/engine.js';
import { historyEvents } from '../support/history.js';
import { adminKubeConfig } from '../support/kube.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Loops that sleep on purpose — backing off, paused, continuing as new — wake only when they should. */
describe('idle loops', () => {
  beforeAll(() => installKind(Stack));

  it('keeps a permanent-failure backoff across continue-as-new (due time carried)', async () => {
    // A history limit of one event: the loop continues as new after every run.
    const { engine, ref } = await startScenario(stackOperator({ loop: { maxHistoryEvents: 1 } }), 'due', {
      mode: 'permanent-error',
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'failed');
    await sleep(2_000);
    const later = await engine.waitFor(ref, () => true);
    expect(later.runNumber).toBe(1);
    expect(Date.parse(later.nextRunAt ?? '')).toBeGreaterThan(Date.now() + 30 * 60_000);
    const latest = await historyEvents(engine.client, workflowIdFor(ref));
    expect(latest[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
  });

  it('keeps the minimum delay after a modification across continue-as-new', async () => {
    // Two steps undoing each other: an apply whose confirming reads show no progress waits the minimum delay.
    const { engine, ref } = await startScenario(
      stackOperator({ loop: { maxHistoryEvents: 1, minModifyDelayMs: 4_000, flapLimit: 10 } }),
      'mindelay',
      { mode: 'fight' },
    );
    // Run 1 applies set-a and shows progress, so run 2 follows at once; run 2 undoes set-a: no progress.
    const second = await engine.waitFor(ref, (d) => d.runNumber === 2, 20_000);
    // Run 3 applies set-a again and progresses, so run 4 may follow it before the loop is next described: the
    // first look after run 2 finds run 3 or run 4, which started at once after it.
    const third = await engine.waitFor(ref, (d) => d.runNumber >= 3, 20_000);
    expect(third.runNumber).toBeLessThanOrEqual(4);
    const gap = Date.parse(third.lastRun?.startedAt ?? '') - Date.parse(second.lastRun?.startedAt ?? '');
    // Run 3 waited the 4 s minimum delay after run 2, across continue-as-new.
    expect(gap).toBeGreaterThanOrEqual(3_500);
  });

  it('continues as new as it rests once history passed the idle budget, so a loop out of cache replays little', async () => {
    const { engine, ref, handle } = await startScenario(
      stackOperator({ loop: { resyncIntervalMs: 1_000, idleHistoryEvents: 30 } }),
      'resting',
      { items: ['a'] },
    );
    const firstRunId = (await handle.describe()).runId;
    const converged = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const current = engine.client.workflow.getHandle(workflowIdFor(ref));
    // Each resync adds a handful of events; the first execution ends once the budget is passed, not at 2,000.
    await vi.waitFor(async () => expect((await current.describe()).runId).not.toBe(firstRunId), {
      timeout: 30_000,
      interval: 200,
    });
    expect(
      (await engine.client.workflow.getHandle(workflowIdFor(ref), firstRunId).describe()).status.name,
    ).toBe('CONTINUED_AS_NEW');
    // The loop goes on resyncing, counting runs across executions, and no execution grows past the budget by
    // more than the run that passed it.
    const later = await engine.waitFor(ref, (d) => d.runNumber >= converged.runNumber + 8, 30_000);
    expect(later.lastRun?.outcome.kind).toBe('converged');
    expect((await historyEvents(engine.client, workflowIdFor(ref))).length).toBeLessThan(30 + 10);
  });

  it('continues as new while paused, so signals cannot pile up to the per-run limit, and resumes', async () => {
    const { engine, ref } = await startScenario(stackOperator({ loop: { maxHistoryEvents: 40 } }), 'busy', {
      items: ['a'],
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const handle = engine.client.workflow.getHandle(workflowIdFor(ref));
    await handle.signal(pauseSignal);
    await engine.waitFor(ref, (d) => d.paused);
    const pausedRunId = (await handle.describe()).runId;
    for (let i = 0; i < 40; i += 1) await engine.signal(ref, `noise ${i}`);
    const still = await engine.waitFor(ref, (d) => d.paused);
    expect(still.runNumber).toBe(1);
    // The loop continues as new once its history is full, still paused and without a run.
    await vi.waitFor(async () => expect((await handle.describe()).runId).not.toBe(pausedRunId), {
      timeout: 10_000,
      interval: 100,
    });
    expect((await engine.waitFor(ref, (d) => d.paused)).runNumber).toBe(1);
    expect((await historyEvents(engine.client, workflowIdFor(ref))).length).toBeLessThan(60);

    await engine.client.workflow.getHandle(workflowIdFor(ref)).signal(resumeSignal);
    const resumed = await engine.waitFor(ref, (d) => !d.paused && d.runNumber > 1);
    expect(resumed.lastRun?.outcome.kind).toBe('converged');
  });

  it('continues as new from its looks while queried, and every execution replays', async () => {
    // A query answered just as a local activity's result comes in makes the SDK hand the result to the workflow
    // one task later live than on replay: a continue-as-new decided from the history length read there did not
    // replay. That race is rare (about one forced task in a hundred looks here), so this test does not catch the
    // old decision every time; it checks continue-as-new from looks under queries replays, run after run.
    const kit = await startOperatorTest({
      operator: stackOperator({ loop: { idleHistoryEvents: 30 } }),
      servers: testServers(),
      taskQueue: uniqueTaskQueue('queried'),
      watcher: false,
    });
    onTestFinished(() => kit.stop());
    const ref = await kit.create('queried', { items: ['a'] });
    // No watcher: the test alone signals the loop, so the only changes are the test's.
    await kit.signal(ref, 'created');
    await kit.waitForReady(ref);
    const handle = kit.client.workflow.getHandle(workflowIdFor(ref));
    await handle.signal(pauseSignal);
    await kit.waitUntil(ref, 'to pause', (d) => d.paused);
    let querying = true;
    const queries = Array.from({ length: 8 }, async () => {
      while (querying) await handle.query(describeQuery).catch(() => undefined);
    });
    // Each change makes the paused loop look at the object (a local activity), and the idle budget is passed
    // again every few looks. Sent back to back, changes and queries reach the server while a workflow task is in
    // flight, so the next task brings both, and core answers the queries while the look runs.
    for (let i = 0; i < 100; i += 1) await kit.signal(ref, `noise ${i}`);
    querying = false;
    await Promise.all(queries);
    let continued = 0;
    for await (const execution of kit.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` }))
      if (execution.status.name === 'CONTINUED_AS_NEW') continued += 1;
    expect(continued).toBeGreaterThanOrEqual(3);
    expect((await kit.waitUntil(ref, 'to stay paused', (d) => d.paused)).runNumber).toBe(1);
    // Every execution of the loop replays against the engine's workflow code.
    await expect(kit.stop()).resolves.toBeUndefined();
  });

  it('ends the loop of a paused object deleted without a cleanup plan', async () => {
    const { namespace, engine, ref } = await startScenario(stackOperator(), 'gone', { items: ['a'] });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const handle = engine.client.workflow.getHandle(workflowIdFor(ref));
    await handle.signal(pauseSignal);
    await engine.waitFor(ref, (d) => d.paused);
    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...ref, namespace });
    await engine.signal(ref, 'deleted');
    const ended = await Promise.race([handle.result(), sleep(15_000).then(() => 'still waiting')]);
    expect(ended).toMatchObject({ outcome: { kind: 'deleted' } });
  });

  it('does not pass the pause of a deleted object on to one recreated under its name', async () => {
    const { namespace, engine, ref } = await startScenario(stackOperator(), 'reborn', { items: ['a'] });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    await engine.client.workflow.getHandle(workflowIdFor(ref)).signal(pauseSignal);
    await engine.waitFor(ref, (d) => d.paused);
    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...ref, namespace });
    await createResource(Stack, namespace, 'reborn', { items: ['r'] });
    await engine.signal(ref, 'recreated');
    const reborn = await engine.waitFor(
      ref,
      (d) => !d.paused && d.lastRun?.outcome.kind === 'converged' && d.runNumber > 1,
      15_000,
    );
    // Its own apply only: the old object's counters were not carried over.
    expect(reborn.consecutiveModifyingRuns).toBe(1);
  });

  it('stays in the flap backoff when the watcher sees the fight, and wakes for a spec change', async () => {
    const kit = await startOperatorTest({
      operator: stackOperator({ loop: { flapLimit: 3 } }),
      servers: testServers(),
      taskQueue: uniqueTaskQueue('flap'),
    });
    onTestFinished(() => kit.stop());
    const ref = await kit.create('brawl', { mode: 'fight' });
    const stalled = await kit.waitUntil(ref, 'to trip the flapping guard', (d) => d.flapping);
    expect(stalled.runNumber).toBe(5);
    // The last apply's own ConfigMap event reaches the loop through the watcher: it must not start a run.
    await sleep(3_000);
    expect((await kit.waitUntil(ref, 'to be described', () => true)).runNumber).toBe(5);

    // A new generation gives the steps a fresh streak: they fight again until the guard trips again.
    await kit.patchSpec(ref, { replicas: 2 });
    const again = await kit.waitUntil(ref, 'to trip the guard again', (d) => d.runNumber > 5 && d.flapping, {
      timeoutMs: 30_000,
    });
    expect(again.runNumber).toBe(10);
    await sleep(3_000);
    expect((await kit.waitUntil(ref, 'to be described', () => true)).runNumber).toBe(10);
    if (process.env.STAIRCASE_RECORD_HISTORIES === '1')
      await kit.recordHistory(
        ref,
        HISTORIES_DIR,
        `stays-in-the-flap-backoff-when-the-watcher-sees-the-fight--brawl--${RECORDING_REVISION}`,
      );
  });
});
