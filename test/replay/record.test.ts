import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryNotReplayableError, recordHistory } from '../../src/testing/index.js';
import { temporalClient, uniqueTaskQueue } from '../support/temporal.js';

describe('recording a history', () => {
  it('refuses, naming the workflow, an execution that completed no workflow task (nothing to replay)', async () => {
    const client = await temporalClient();
    // No worker polls this queue: the execution never completes a workflow task.
    const taskQueue = uniqueTaskQueue('unpolled');
    const workflowId = `never-run-${taskQueue}`;
    await client.workflow.start('reconcileWorkflow', { taskQueue, workflowId, args: [] });
    const dir = await mkdtemp(join(tmpdir(), 'histories-'));
    const error = await recordHistory(client, workflowId, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryNotReplayableError);
    expect((error as Error).message).toContain(workflowId);
    await client.workflow.getHandle(workflowId).terminate('test done');
  }, 30_000);
});
