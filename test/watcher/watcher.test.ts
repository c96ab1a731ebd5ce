import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { temporal } from '@temporalio/proto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { loopHistory } from '../../src/testing/history.js';
import { Stack, stackOperator } from '../engine/fixtures/test-operator.js';
import { createResource, installKind, patchSpec, startEngine } from '../support/engine.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { metricValue, startTestWatcher } from '../support/watcher.js';

const { EventType } = temporal.api.enums.v1;

const decoder = new TextDecoder();
type Engine = Awaited<ReturnType<typeof startEngine>>;

/** The reasons of the change signals a loop received, in order, across continue-as-new (an idle loop's too). */
async function signalReasons(engine: Engine, workflowId: string): Promise<string[]> {
  const events = await loopHistory(engine.client, workflowId);
  return events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
    .map((e) => {
      const data = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
      return data ? (JSON.parse(decoder.decode(data)) as { reason: string }).reason : '';
    });
}

async function signalsReceived(engine: Engine, workflowId: string): Promise<number> {
  return (await signalReasons(engine, workflowId)).length;
}

describe('the watcher', () => {
  beforeAll(() => installKind(Stack));

  it('starts the loop of a new object, signals spec changes and deletion, but not status-only changes', async () => {
    const namespace = await createTestNamespace();
    const operator = stackOperator();
    const engine = await startEngine(operator);
    await startTestWatcher(operator, engine, namespace);
    const ref = await createResource(Stack, namespace, 'watched', { items: ['a'] });
    const id = workflowIdFor(ref);
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    // The new object's loop was started, not signalled; the engine's own status writes did not come back as
    // signals; the child it created did.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await signalReasons(engine, id)).toEqual(['ConfigMap watched-a added']);

    const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
    await custom.patchNamespacedCustomObjectStatus(
      { ...ref, namespace, body: { status: { lastApplied: 'by hand' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await signalsReceived(engine, id)).toBe(1);

    await patchSpec(ref, { items: ['a', 'b'] });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged' && d.lastRun.generation === 2);
    await vi.waitFor(
      async () =>
        expect((await signalReasons(engine, id)).slice(1)).toEqual([
          'generation 1 → 2',
          'ConfigMap watched-b added',
        ]),
      { timeout: 5_000, interval: 100 },
    );

    const handle = engine.client.workflow.getHandle(id);
    await custom.deleteNamespacedCustomObject({ ...ref, namespace });
    expect((await handle.result())?.outcome.kind).toBe('deleted');
  });

  it('signals the owner when an owned ConfigMap is deleted, so the run recreates it', async () => {
    const namespace = await createTestNamespace();
    const operator = stackOperator();
    const engine = await startEngine(operator);
    await startTestWatcher(operator, engine, namespace);
    const ref = await createResource(Stack, namespace, 'parent', { items: ['kid'] });
    const first = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.deleteNamespacedConfigMap({ namespace, name: 'parent-kid' });
    // One run recreates it and, reading everything again, converges. Runs that change nothing may come around it:
    // a signal from before the deletion still on its way, the recreated ConfigMap's own event.
    await vi.waitFor(
      async () => {
        const later = (await engine.kit.runs(ref)).filter((run) => run.runNumber > first.runNumber);
        const applying = later.filter((run) => run.applies.length > 0);
        expect(applying[0]).toMatchObject({ applies: ['ensure-kid'], confirmed: true });
      },
      { timeout: 15_000, interval: 200 },
    );
    expect((await core.readNamespacedConfigMap({ namespace, name: 'parent-kid' })).data).toEqual({
      item: 'kid',
    });
  });

  it('coalesces 1,000 rapid updates of one resource into a handful of signals', async () => {
    const namespace = await createTestNamespace();
    const operator = stackOperator();
    const engine = await startEngine(operator);
    await startTestWatcher(operator, engine, namespace);
    const ref = await createResource(Stack, namespace, 'busy', { replicas: 0 });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const started = Date.now();
    for (let replicas = 1; replicas <= 1_000; replicas += 1) await patchSpec(ref, { replicas });
    const took = Date.now() - started;
    await vi.waitFor(
      async () => expect((await engine.waitFor(ref, () => true)).lastRun?.generation).toBe(1_001),
      {
        timeout: 30_000,
        interval: 200,
      },
    );
    const signals = await signalsReceived(engine, workflowIdFor(ref));
    console.log(
      `[coalescing] 1,000 spec updates in ${took} ms became ${signals - 1} signals (debounce 200 ms)`,
    );
    expect(signals - 1).toBeLessThan(Math.max(20, (took / 200) * 1.5));
    expect(signals - 1).toBeGreaterThan(0);
  });

  it('signals nothing for unchanged objects when its informers relist', async () => {
    const namespace = await createTestNamespace();
    const operator = stackOperator();
    const engine = await startEngine(operator);
    const watcher = await startTestWatcher(operator, engine, namespace, { relistIntervalMs: 1_000 });
    const ref = await createResource(Stack, namespace, 'still', { items: ['a', 'b'] });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    // The test operator creates its ConfigMaps without the engine's field manager, so their creation reaches the
    // loop as a change of its own — possibly after the run that created them has converged.
    await vi.waitFor(
      async () => expect((await signalReasons(engine, workflowIdFor(ref))).join()).toContain('still-b added'),
      { timeout: 10_000, interval: 100 },
    );
    const relists = async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${watcher.port}/metrics`)).text();
      return metrics
        .split('\n')
        .filter((line) => line.includes('reason="periodic relist"'))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    };
    const signals = await signalsReceived(engine, workflowIdFor(ref));
    const before = await relists();
    // Both informers (Stacks and their ConfigMaps) list everything again, at least twice each.
    await vi.waitFor(async () => expect(await relists()).toBeGreaterThanOrEqual(before + 4), {
      timeout: 15_000,
      interval: 250,
    });
    expect(await signalsReceived(engine, workflowIdFor(ref))).toBe(signals);
    await patchSpec(ref, { items: ['a', 'b', 'c'] });
    await vi.waitFor(
      async () => expect(await signalsReceived(engine, workflowIdFor(ref))).toBeGreaterThan(signals),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    const namespace = await createTestNamespace();
    const operator = stackOperator();
    const engine = await startEngine(operator);
    const watcher = await startTestWatcher(operator, engine, namespace);
    const ref = await createResource(Stack, namespace, 'metered', {});
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const base = `http://127.0.0.1:${watcher.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metricValue(metrics, 'staircase_watcher_events_total{kind="Stack",type="ADDED"}')).toBe(1);
    expect(metricValue(metrics, 'staircase_watcher_signals_sent_total')).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'staircase_watcher_leader')).toBe(1);
    for (const series of ['staircase_watcher_signals_failed_total', 'staircase_watcher_pending_resources']) {
      expect(metrics).toContain(`${series} 0`);
    }
    expect(metrics).toContain('# TYPE staircase_watcher_watch_restarts_total counter');
  });
});
