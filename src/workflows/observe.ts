import { type LocalActivityOptions, proxyLocalActivities, TemporalFailure } from '@temporalio/workflow';
import type { LookActivities } from '../core/activity-contract.js';
import type { ObjectSeen } from '../core/loop.js';
import type { ResourceRef } from '../core/resource-ref.js';

const LOOK_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3 },
  summary: 'look after a change',
};
const look = proxyLocalActivities<LookActivities>(LOOK_OPTIONS);

/**
 * Looks at the object between runs (the read-only local activity `lookAtObject`, labelled "look after a change"), so that a
 * change signal during a pause or a flap backoff wakes the loop only when the object itself changed.
 *
 * Guarantees: never throws for an activity failure; a failed look is `unknown`.
 */
export async function observeObject(ref: ResourceRef, runNumber: number): Promise<ObjectSeen> {
  try {
    return await look.lookAtObject({ ref, runNumber });
  } catch (error) {
    if (error instanceof TemporalFailure) return { kind: 'unknown' };
    throw error;
  }
}
