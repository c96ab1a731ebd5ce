import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { ReplayFailedError, replayLoops, startOperatorTest } from '../../src/testing/index.js';
import { RECONCILE_WORKFLOW_TYPE } from '../../src/workflows/contract.js';
import { stackOperator } from '../engine/fixtures/test-operator.js';
import { engineBundle, quietLogger, testServers } from '../support/engine.js';
import { temporalClient, uniqueTaskQueue, workerConnection } from '../support/temporal.js';

const IMPOSTOR = fileURLToPath(new URL('./fixtures/impostor-workflow.ts', import.meta.url));

/** Runs, on `taskQueue`, a workflow of the engine's type whose history the engine's code cannot replay. */
async function runImpostor(taskQueue: string): Promise<string> {
  const workflowId = `impostor-${taskQueue}`;
  const client = await temporalClient();
  const worker = await Worker.create({
    connection: await workerConnection(),
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: IMPOSTOR, logger: quietLogger }),
  });
  await worker.runUntil(client.workflow.execute(RECONCILE_WORKFLOW_TYPE, { taskQueue, workflowId }));
  return workflowId;
}

describe('the testing kit', () => {
  it('replays every loop on its task queues when the test stops, and fails the stop on one that does not replay', async () => {
    const taskQueue = uniqueTaskQueue('replay-on-stop');
    const impostor = await runImpostor(taskQueue);
    const kit = await startOperatorTest({
      operator: stackOperator(),
      servers: testServers(),
      watcher: false,
      taskQueue,
    });
    const ref = kit.ref('replayed');
    await kit.create('replayed', { items: ['a'] });
    await kit.signal(ref);
    await kit.waitUntil(ref, 'to converge', (d) => d.lastRun?.outcome.kind === 'converged');

    const query = `TaskQueue = "${taskQueue}"`;
    // Visibility lags the server a little: wait until it lists both.
    await expect
      .poll(
        async () => (await replayLoops(kit.client, query, { workflowBundle: await engineBundle() })).length,
        {
          timeout: 10_000,
        },
      )
      .toBe(2);
    const results = await replayLoops(kit.client, query, { workflowBundle: await engineBundle() });
    const byLoop = (id: string) => results.find((result) => result.history.startsWith(`${id} (run `));
    expect(byLoop(workflowIdFor(ref))).toEqual({ history: expect.any(String) });
    expect(byLoop(impostor)?.error).toMatch(/^Replay failed/);

    const stopped = await kit.stop().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(stopped).toBeInstanceOf(ReplayFailedError);
    const failures = (stopped as ReplayFailedError).failures.map((failure) => failure.history);
    expect(failures).toEqual([expect.stringMatching(new RegExp(`^${impostor} \\(run `))]);
    // Stopped all the same.
    expect(kit.worker.getState()).toBe('STOPPED');
  });
});
