import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signalChange } from '../../src/client/reconcile-client.js';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { resolveOptions } from '../../src/operator/operator.js';
import { createResource, installKind, startEngine } from '../support/engine.js';
import { historyEvents, runsInHistory } from '../support/history.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { temporalClient, uniqueTaskQueue } from '../support/temporal.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('a worker killed in the middle of an apply', () => {
  beforeAll(() => installKind(Stack));

  it('leaves the run to another worker, which finishes it with the side effect made once', async () => {
    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('crash');
    const doomed = await startWorkerProcess(taskQueue);
    const client = await temporalClient();
    const ref = await createResource(Stack, namespace, 'crash', { mode: 'slow-apply', items: ['slow'] });
    await signalChange(client, ref, { taskQueue, config: resolveOptions(stackOperator()).loop }, 'created');

    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const children = () =>
      core.listNamespacedConfigMap({ namespace, labelSelector: 'staircase.test/owner=crash' });
    // The first attempt has made its side effect and is sleeping: kill its worker now.
    await vi.waitFor(async () => expect((await children()).items).toHaveLength(1), {
      timeout: 20_000,
      interval: 50,
    });
    doomed.kill('SIGKILL');

    const engine = await startEngine(stackOperator(), { taskQueue });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged', 60_000);
    expect((await children()).items).toHaveLength(1);
    // The apply was local: the dead worker's workflow task timed out, and the next worker evaluated the run afresh —
    // it found the child there, so no apply (and no activity task) is in the history.
    const events = await historyEvents(client, workflowIdFor(ref));
    expect(events.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect((await runsInHistory(client, workflowIdFor(ref))).flatMap((run) => run.applies)).toEqual([]);
  });
});
