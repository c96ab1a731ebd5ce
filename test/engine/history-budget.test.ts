import type { V1ConfigMap } from '@kubernetes/client-node';
import { temporal } from '@temporalio/proto';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { z } from 'zod';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import {
  childStep,
  defineOperator,
  defineResourceKind,
  passes,
  planFor,
  statusStep,
  stepFor,
} from '../../src/index.js';
import { startOperatorTest } from '../../src/testing/index.js';
import { LOOP_REVISION_5_PATCH } from '../../src/workflows/reconcile-workflow.js';
import { installKind, startScenario, testServers } from '../support/engine.js';
import { historyEvents, patchIdOf } from '../support/history.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const kindsOf = (events: readonly HistoryEvent[]) =>
  events.map((e) => EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? '?');

/** Indices of the timers the loop started: it starts one after every run. */
const timerStarts = (events: readonly HistoryEvent[]) =>
  events.flatMap((e, i) => (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED ? [i] : []));

/**
 * A kind whose plan needs two applies, as the greeting example's does: a ConfigMap child written with server-side
 * apply, the child's name recorded in the status, then a check.
 */
const Note = defineResourceKind({
  group: 'budget.staircase.test',
  version: 'v1',
  kind: 'Note',
  plural: 'notes',
  scope: 'Namespaced',
  spec: z.object({ text: z.string() }),
  status: z.object({ configMap: z.string().optional() }),
});
const noteOperator = defineOperator({
  name: 'note',
  kind: Note,
  plan: () =>
    planFor(Note)
      .step(
        childStep(Note, {
          name: 'configmap',
          desired: ({ resource }): V1ConfigMap => ({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `${resource.metadata.name}-note` },
            data: { text: resource.spec.text },
          }),
        }),
      )
      .step(
        statusStep(Note, {
          name: 'record',
          desired: ({ input }: { input: V1ConfigMap }) => ({ configMap: input.metadata?.name }),
        }),
      )
      .step(stepFor(Note)({ name: 'noted', check: () => passes() }))
      .build(),
  owns: [{ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }],
});

describe('history per run', () => {
  beforeAll(() => installKind(Stack));

  it('keeps a new resource whose plan needs two applies within 16 events, through the watcher, converged in its second run', async () => {
    const kit = await startOperatorTest({
      operator: noteOperator,
      servers: testServers(),
      taskQueue: uniqueTaskQueue('budget'),
    });
    onTestFinished(() => kit.stop());
    const ref = await kit.create('fresh', { text: 'hello' });
    const ready = await kit.waitForReady(ref);
    expect(ready.runNumber).toBe(2);
    // The loop sleeps once its first run is recorded: the history up to that timer is the new resource's cost.
    const events = await vi.waitFor(
      async () => {
        const all = await historyEvents(kit.client, workflowIdFor(ref));
        expect(timerStarts(all).length).toBeGreaterThan(0);
        return all;
      },
      { timeout: 10_000, interval: 100 },
    );
    const cost = events.slice(0, (timerStarts(events)[0] ?? 0) + 1);
    console.log(`[budget] a new resource: ${cost.length} events: ${kindsOf(cost).join(' ')}`);
    // Started, not signalled; the engine's own ConfigMap came back as an event but not as a signal.
    expect(kindsOf(cost)).not.toContain('WORKFLOW_EXECUTION_SIGNALED');
    // One patch for every behaviour a new loop has: one marker and one TemporalChangeVersion upsert, not one each.
    expect(cost.map(patchIdOf).filter((id) => id !== undefined)).toEqual([LOOP_REVISION_5_PATCH]);
    // Both runs, applies included, are local activities of one workflow task when nothing is slow; a loaded machine
    // may add a task (three events) when the SDK heartbeats the task while a local activity still runs. Those are
    // Temporal's, not the engine's: counted apart.
    const tasks = kindsOf(cost).filter((kind) => kind === 'WORKFLOW_TASK_COMPLETED').length;
    expect(tasks).toBeGreaterThanOrEqual(1);
    expect(cost.length - 3 * (tasks - 1)).toBeLessThanOrEqual(16);
  });

  it('keeps an idle resync run within 8 events', async () => {
    const { engine, ref } = await startScenario(
      stackOperator({ loop: { resyncIntervalMs: 1_500 } }),
      'idle',
      {
        items: ['a'],
      },
    );
    await engine.waitFor(ref, (d) => d.runNumber >= 3, 20_000);
    const events = await historyEvents(engine.client, workflowIdFor(ref));
    const [previous, last] = timerStarts(events).slice(-2);
    const run = events.slice((previous ?? 0) + 1, (last ?? 0) + 1);
    console.log(`[budget] an idle resync run: ${run.length} events: ${kindsOf(run).join(' ')}`);
    expect(kindsOf(run)).toContain('TIMER_FIRED');
    // As for a new resource: a task the SDK adds while a local activity runs on a loaded machine is not the engine's.
    const tasks = kindsOf(run).filter((kind) => kind === 'WORKFLOW_TASK_COMPLETED').length;
    expect(tasks).toBeGreaterThanOrEqual(1);
    expect(run.length - 3 * (tasks - 1)).toBeLessThanOrEqual(8);
  });
});
