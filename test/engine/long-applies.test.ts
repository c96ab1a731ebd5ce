import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signalChange } from '../../src/client/reconcile-client.js';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { resolveOptions } from '../../src/operator/operator.js';
import { createResource, installKind, patchSpec, startEngine } from '../support/engine.js';
import { historyEvents, runsInHistory } from '../support/history.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { temporalClient, uniqueTaskQueue } from '../support/temporal.js';
import { startWorkerProcess } from '../support/worker-process.js';
import {
  LATE_WRITE_DELAY_MS,
  LongApply,
  longApplyOperator,
  mapName,
} from './fixtures/long-apply-operator.js';

const operatorModule = fileURLToPath(new URL('./fixtures/long-apply-operator.ts', import.meta.url));
const core = () => adminKubeConfig().makeApiClient(CoreV1Api);

async function mapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    return (await core().readNamespacedConfigMap({ name, namespace })).data ?? {};
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/**
 * Creates `name` in `mode`, lets a worker process start its hanging apply, kills that worker, and lets an engine on
 * the same task queue finish: how long that took after the kill, and the value the apply wrote.
 */
async function killWorkerDuringApply(name: string, mode: 'hang' | 'hang-local') {
  const namespace = await createTestNamespace();
  const taskQueue = uniqueTaskQueue(mode);
  const doomed = await startWorkerProcess(taskQueue, operatorModule);
  const client = await temporalClient();
  const operator = longApplyOperator();
  const ref = await createResource(LongApply, namespace, name, { value: 'v', mode });
  await signalChange(client, ref, { taskQueue, config: resolveOptions(operator).loop }, 'created');
  // The first attempt (default 2-minute timeout) has started and hangs: kill its worker.
  await vi.waitFor(async () => expect(await mapData(namespace, mapName(name, 'started'))).toBeDefined(), {
    timeout: 30_000,
    interval: 50,
  });
  doomed.kill('SIGKILL');
  const killedAt = Date.now();

  const engine = await startEngine(operator, { taskQueue });
  await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged', 40_000);
  const recoveredInMs = Date.now() - killedAt;
  console.info(`${mode}: converged ${(recoveredInMs / 1000).toFixed(1)} s after the worker was killed`);
  const value = (await mapData(namespace, mapName(name, 'value')))?.value;
  return { ref, client, recoveredInMs, value };
}

describe('a long apply', () => {
  beforeAll(() => installKind(LongApply));

  it('whose worker is killed is retried by another worker within seconds, not after its two-minute timeout', async () => {
    const { ref, client, recoveredInMs, value } = await killWorkerDuringApply('stalled', 'hang');
    expect(recoveredInMs).toBeLessThan(20_000);
    expect(value).toBe('v');

    // The dead worker's attempt ended by a missed heartbeat.
    const starts = (await historyEvents(client, workflowIdFor(ref)))
      .map((e) => e.activityTaskStartedEventAttributes)
      .filter((a) => a !== undefined && a !== null);
    expect(starts.map((a) => a.attempt)).toEqual([2]);
    expect(String(starts[0]?.lastFailure?.timeoutFailureInfo?.timeoutType)).toMatch(/HEARTBEAT|^4$/);
  });

  it('run locally (the default), whose worker is killed, is evaluated afresh by another worker once the task times out', async () => {
    const { ref, client, recoveredInMs, value } = await killWorkerDuringApply('local', 'hang-local');
    // The dead worker's workflow task times out (10 s after its last heartbeat), then the next worker takes over.
    expect(recoveredInMs).toBeLessThan(30_000);
    expect(value).toBe('v');

    // No activity task of its own: the apply is a marker of the surviving worker's run, one apply in that run.
    const events = await historyEvents(client, workflowIdFor(ref));
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    const runs = await runsInHistory(client, workflowIdFor(ref));
    expect(runs.map((run) => run.applies)).toEqual([
      [expect.stringMatching(/^apply value and confirm run \d+$/)],
    ]);
    expect(
      events.some((e) =>
        String(e.workflowTaskTimedOutEventAttributes?.timeoutType).match(/START_TO_CLOSE|^1$/),
      ),
    ).toBe(true);
  });

  it('that outlives its timeout sees its signal aborted, and its late write never lands', async () => {
    const namespace = await createTestNamespace();
    const engine = await startEngine(longApplyOperator());
    const ref = await createResource(LongApply, namespace, 'late', { value: 'old', mode: 'late-write' });
    const startedAt = Date.now();
    await engine.signal(ref, 'created');
    // Attempt 1 timed out and sleeps on; attempt 2 wrote `old`.
    const first = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');

    await patchSpec(ref, { value: 'new' });
    await engine.signal(ref, 'spec changed');
    // A converged run after that one: while the new run is in flight, `lastRun` is still the converged one before.
    const seen = first.lastRun?.runNumber ?? 0;
    await engine.waitFor(
      ref,
      (d) => (d.lastRun?.runNumber ?? 0) > seen && d.lastRun?.outcome.kind === 'converged',
    );
    expect((await mapData(namespace, mapName('late', 'value')))?.value).toBe('new');
    // Otherwise the test proves nothing: the late write must come after the newer value.
    expect(await mapData(namespace, mapName('late', 'late'))).toBeUndefined();
    expect(Date.now() - startedAt).toBeLessThan(LATE_WRITE_DELAY_MS);

    const late = await vi.waitFor(
      async () => {
        const data = await mapData(namespace, mapName('late', 'late'));
        expect(data).toBeDefined();
        return data;
      },
      { timeout: LATE_WRITE_DELAY_MS + 10_000, interval: 200 },
    );
    expect((await mapData(namespace, mapName('late', 'value')))?.value).toBe('new');
    expect(late?.outcome).toBe('KubeAbortedError');
  });
});
