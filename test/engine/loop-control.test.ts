import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { temporal } from '@temporalio/proto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { pauseSignal, reconcileNowUpdate, resumeSignal } from '../../src/workflows/contract.js';
import {
  conditionOf,
  createResource,
  installKind,
  patchSpec,
  readObject,
  startEngine,
  startScenario,
} from '../support/engine.js';
import { historyEvents, runsInHistory } from '../support/history.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

const { EventType } = temporal.api.enums.v1;

describe('controlling and observing a loop', () => {
  beforeAll(() => installKind(Stack));

  it('answers "reconcile now" with the outcome of a run, and does not run while paused', async () => {
    const { engine, ref, handle } = await startScenario(stackOperator(), 'ctl', { items: ['a'] });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');

    const report = await handle.executeUpdate(reconcileNowUpdate);
    expect(report).toMatchObject({ runNumber: 2, outcome: { kind: 'converged' } });

    await handle.signal(pauseSignal);
    await engine.waitFor(ref, (d) => d.paused && d.phase === 'Paused');
    const refused = await handle.executeUpdate(reconcileNowUpdate).catch((error: unknown) => error);
    expect((refused as Error).cause).toMatchObject({ message: 'the resource is paused; resume it first' });
    await patchSpec(ref, { items: ['a', 'b'] });
    await engine.signal(ref, 'spec changed while paused');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await engine.waitFor(ref, (d) => d.paused)).runNumber).toBe(2);

    await handle.signal(resumeSignal);
    const resumed = await engine.waitFor(
      ref,
      (d) => d.lastRun?.outcome.kind === 'converged' && d.runNumber > 2,
    );
    expect(resumed).toMatchObject({ paused: false, runNumber: 3 });
  });

  it('answers "reconcile now" sent during a run with a run that started after the request', async () => {
    const { handle, namespace } = await startScenario(stackOperator(), 'asked', {
      mode: 'slow-apply',
      items: ['slow'],
    });
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const children = async () => (await core.listNamespacedConfigMap({ namespace })).items;
    // Run 1 is in its apply (the first attempt sleeps past its timeout): ask now.
    await vi.waitFor(async () => expect(await children()).toHaveLength(1), { timeout: 20_000, interval: 50 });
    const askedAt = Date.now();
    const report = await handle.executeUpdate(reconcileNowUpdate);
    expect(report.runNumber).toBeGreaterThan(1);
    expect(Date.parse(report.startedAt)).toBeGreaterThan(askedAt);
    expect(report.outcome.kind).toBe('converged');
  });

  it('reconciles two resources independently: one failing does not hold up the other', async () => {
    const namespace = await createTestNamespace();
    const engine = await startEngine(stackOperator());
    const bad = await createResource(Stack, namespace, 'bad', { mode: 'permanent-error' });
    const good = await createResource(Stack, namespace, 'good', { items: ['m', 'n'] });
    await Promise.all([engine.signal(bad), engine.signal(good)]);
    const [badState, goodState] = await Promise.all([
      engine.waitFor(bad, (d) => d.lastRun?.outcome.kind === 'failed'),
      engine.waitFor(good, (d) => d.lastRun?.outcome.kind === 'converged'),
    ]);
    expect(badState.runNumber).toBe(1);
    expect(goodState.runNumber).toBe(2);
    expect(workflowIdFor(bad)).toBe(`stacks.engine.staircase.test/${namespace}/bad`);
  });

  it('trips the flapping guard when two steps keep undoing each other, and says so in Stalled', async () => {
    const { engine, ref } = await startScenario(stackOperator({ loop: { flapLimit: 3 } }), 'fight', {
      mode: 'fight',
    });
    const stalled = await engine.waitFor(ref, (d) => d.flapping);
    // set-a, set-b, set-a, set-b, set-a: the third modification by set-a trips the guard.
    expect(stalled).toMatchObject({ phase: 'Stalled', runNumber: 5, consecutiveModifyingRuns: 5 });
    const stalledCondition = conditionOf(await readObject(ref), 'Stalled');
    expect(stalledCondition).toMatchObject({ status: 'True', reason: 'Flapping' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await engine.waitFor(ref, () => true)).runNumber).toBe(5);
  });

  it('continues as new with its state when history grows, and keeps counting runs', async () => {
    const { engine, ref, handle } = await startScenario(
      stackOperator({ loop: { maxHistoryEvents: 40 } }),
      'long',
      { items: ['a', 'b', 'c', 'd', 'e', 'f'] },
    );
    const done = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(done.runNumber).toBe(6);
    // Six runs that progress one after the other share a workflow task, whose history length does not grow while
    // it runs: the loop continues as new at its next run in a later task (a change, here).
    const firstRun = engine.client.workflow.getHandle(
      workflowIdFor(ref),
      (handle as { signaledRunId?: string }).signaledRunId,
    );
    let runNumber = done.runNumber;
    while ((await firstRun.describe()).status.name === 'RUNNING' && runNumber < 12) {
      await engine.signal(ref, 'look again');
      runNumber = (await engine.waitFor(ref, (d) => d.runNumber > runNumber)).runNumber;
    }
    expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
    expect(runNumber).toBeGreaterThan(6);
    const latest = await historyEvents(engine.client, workflowIdFor(ref));
    expect(latest[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    expect(latest.length).toBeLessThan(60);
  });

  it('treats a resource deleted and recreated under the same name as a new object', async () => {
    const { namespace, engine, ref } = await startScenario(stackOperator(), 'phoenix', {
      mode: 'permanent-error',
    });
    const first = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'failed');
    expect(first.consecutiveFailedRuns).toBe(1);
    const oldUid = (await readObject(ref))?.metadata.uid;

    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...ref, namespace });
    await createResource(Stack, namespace, 'phoenix', { items: ['r'] });
    await engine.signal(ref, 'recreated');
    const reborn = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const object = await readObject(ref);
    expect(object?.metadata.uid).not.toBe(oldUid);
    expect(conditionOf(object, 'Ready')?.status).toBe('True');
    expect(reborn.consecutiveFailedRuns).toBe(0);
  });

  it('keeps a converged run of a six-step plan within 10 history events, its reads in one local activity', async () => {
    const { engine, ref, handle } = await startScenario(stackOperator(), 'budget', {
      mode: 'six-checks',
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const before = (await historyEvents(engine.client, workflowIdFor(ref))).length;
    await handle.executeUpdate(reconcileNowUpdate);
    const events = await historyEvents(engine.client, workflowIdFor(ref));
    const added = events.slice(before);
    const runs = await runsInHistory(engine.client, workflowIdFor(ref));
    expect(runs.at(-1)?.localActivities).toEqual(['evaluate run 2']);
    const updateEvents = added.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    );
    console.log(
      `[budget] a converged six-step run added ${added.length} history events (${updateEvents.length} for the update)`,
    );
    expect(added.length).toBeLessThanOrEqual(10);
  });
});
