import type { Client, WorkflowHandle } from '@temporalio/client';
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
  const input: ReconcileInput = { ref, config: target.config };
  return client.workflow.signalWithStart(RECONCILE_WORKFLOW_TYPE, {
    workflowId: workflowIdFor(ref),
    taskQueue: target.taskQueue,
    args: [input],
    signal: changedSignal,
    signalArgs: [{ reason }],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.kind, value: ref.kind },
      { key: SEARCH_ATTRIBUTES.namespace, value: ref.namespace ?? '' },
      { key: SEARCH_ATTRIBUTES.name, value: ref.name },
    ],
    staticSummary: `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`,
  });
}
