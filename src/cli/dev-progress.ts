import type { Client } from '@temporalio/client';
import type { ResourceRef } from '../core/resource-ref.js';
import { displayName, workflowIdFor } from '../core/resource-ref.js';
import { describeQuery, type ResourceDescription } from '../workflows/contract.js';

/** One line per resource: where its loop stands. */
export function progressLine(ref: ResourceRef, description: ResourceDescription | undefined): string {
  if (!description) return `${displayName(ref)}: waiting for its first run`;
  const step = description.currentStep ? ` at step ${description.currentStep}` : '';
  const last = description.lastRun?.outcome;
  const reason = last && 'reason' in last ? ` — ${last.reason}` : '';
  return `${displayName(ref)}: ${description.phase}${step} (run ${description.runNumber})${reason}`;
}

/** The `describe` answer of each resource's loop (undefined where the loop has not started). */
export async function describeAll(
  client: Client,
  refs: readonly ResourceRef[],
): Promise<Map<ResourceRef, ResourceDescription | undefined>> {
  const entries = await Promise.all(
    refs.map(async (ref) => {
      try {
        return [ref, await client.workflow.getHandle(workflowIdFor(ref)).query(describeQuery)] as const;
      } catch {
        return [ref, undefined] as const;
      }
    }),
  );
  return new Map(entries);
}

/** The Temporal UI page listing this operator's workflows. */
export function workflowsLink(uiUrl: string, namespace: string, kind: string): string {
  return `${uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(`StaircaseKind="${kind}"`)}`;
}
