import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { temporalClient, uniqueTaskQueue, workerConnection } from '../support/temporal.js';
import * as activities from './fixtures/greeting-activities.js';
import { greetingWorkflow } from './fixtures/greeting-workflow.js';

describe('the real Temporal dev server', () => {
  it('completes a workflow that calls an activity, and serves its history', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const worker = await Worker.create({
      connection: await workerConnection(),
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/greeting-workflow.ts', import.meta.url)),
      activities,
      maxCachedWorkflows: 0,
    });
    const client = await temporalClient();
    const result = await worker.runUntil(
      client.workflow.execute(greetingWorkflow, {
        taskQueue,
        workflowId: `greeting-${taskQueue}`,
        args: ['kube'],
      }),
    );
    expect(result).toBe('hello kube from greet');

    const history = await client.workflow.getHandle(`greeting-${taskQueue}`).fetchHistory();
    const types = (history.events ?? []).map((event) => event.eventType);
    const { EventType } = temporal.api.enums.v1;
    expect(types[0]).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    expect(types.at(-1)).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  });
});
