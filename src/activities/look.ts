import type { KubeConfig } from '@kubernetes/client-node';
import type { LookActivities, ObjectLook, PrepareRunInput } from '../core/activity-contract.js';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import { readResource } from './kube-objects.js';
import { ownedFinalizers } from './plans.js';

/**
 * The loop's look between runs: one read of the object, nothing written. An object being deleted that holds none
 * of the engine's finalizers counts as gone, as in `prepareRun` (see `choosePlan`).
 */
export function createLookActivities(operator: OperatorDefinition, kube: KubeConfig): LookActivities {
  const owned = ownedFinalizers(resolveOptions(operator));
  return {
    async lookAtObject(input: PrepareRunInput): Promise<ObjectLook> {
      const raw = await readResource(kube, input.ref);
      if (!raw) return { kind: 'gone' };
      const deleting = raw.metadata.deletionTimestamp !== undefined;
      if (deleting && !raw.metadata.finalizers?.some((f) => owned.includes(f))) return { kind: 'gone' };
      return { kind: 'present', uid: raw.metadata.uid, generation: raw.metadata.generation ?? 0 };
    },
  };
}
