import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { LoopConfig } from '../core/loop.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { workflowIdFor } from '../core/resource-ref.js';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes.js';
import { changedSignal, RECONCILE_WORKFLOW_TYPE, type ReconcileInput } from '../workflows/contract.js';

/** Where and how a resource's loop runs. */
export interface LoopTarget {
  readonly taskQueue: string;
  readonly config: LoopConfig;
}

/**
 * Tells a resource's workflow that something changed, starting the workflow if it is not running.
 *
 * Guarantees: one workflow per resource — a running loop is signalled, never duplicated; a finished one (the
 * resource was deleted) is started anew.
 */
export async function signalChange(
  client: Client,
  ref: ResourceRef,
  target: LoopTarget,
  reason: string,
): Promise<WorkflowHandle> {
  return client.workflow.signalWithStart(RECONCILE_WORKFLOW_TYPE, {
    ...startOptions(ref, target),
    signal: changedSignal,
    signalArgs: [{ reason }],
  });
}

/**
 * For a resource just created: starts its loop without a signal (a new loop runs at once, and its history is one
 * event shorter), or — when a loop is already running under its name (say, of an object deleted and recreated
 * quickly) — signals it. Same guarantees as {@link signalChange}, at the cost of a second call in that case.
 */
export async function startOrSignal(
  client: Client,
  ref: ResourceRef,
  target: LoopTarget,
  reason: string,
): Promise<WorkflowHandle> {
  try {
    return await client.workflow.start(RECONCILE_WORKFLOW_TYPE, startOptions(ref, target));
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const handle = client.workflow.getHandle(workflowIdFor(ref));
    await handle.signal(changedSignal, { reason });
    return handle;
  }
}

function startOptions(ref: ResourceRef, target: LoopTarget) {
  const input: ReconcileInput = { ref, config: target.config };
  return {
    workflowId: workflowIdFor(ref),
    taskQueue: target.taskQueue,
    args: [input] as [ReconcileInput],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.kind, value: ref.kind },
      { key: SEARCH_ATTRIBUTES.namespace, value: ref.namespace ?? '' },
      { key: SEARCH_ATTRIBUTES.name, value: ref.name },
    ],
    staticSummary: `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`,
  };
}
