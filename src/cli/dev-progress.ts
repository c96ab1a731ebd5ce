import type { Client } from '@temporalio/client';
import { stepOf } from '../core/outcome.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { displayName, workflowIdFor } from '../core/resource-ref.js';
import { describeQuery, type ResourceDescription } from '../workflows/contract.js';

/**
 * One line per resource: where its loop stands, as of its last finished run. The step, run number and message all
 * come from that run's outcome, so they belong together (while a run is in progress, `describe` already names the
 * step being checked, but the message is still the previous run's).
 */
export function progressLine(ref: ResourceRef, description: ResourceDescription | undefined): string {
  if (!description) return `${displayName(ref)}: waiting for its first run`;
  const last = description.lastRun;
  if (!last) return `${displayName(ref)}: ${description.phase}`;
  const step = stepOf(last.outcome);
  const reason = 'reason' in last.outcome ? ` — ${last.outcome.reason}` : '';
  return `${displayName(ref)}: ${description.phase}${step ? ` at step ${step}` : ''} (run ${last.runNumber})${reason}`;
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
