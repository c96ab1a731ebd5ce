import type { LookActivities, ObjectLook, PrepareRunInput } from '../core/activity-contract.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import type { KubeEndpoint } from '../runtime/kube-http.js';
import { readResource } from './kube-objects.js';
import { ownedFinalizers } from './plans.js';

/**
 * The loop's look between runs: one read of the object, nothing written. An object being deleted that holds none
 * of the engine's finalizers counts as gone, as in `prepareRun` (see `choosePlan`).
 */
export function createLookActivities(operator: OperatorDefinition, kube: KubeEndpoint): LookActivities {
  const owned = ownedFinalizers(resolveOptions(operator));
  return {
    async lookAtObject(input: PrepareRunInput): Promise<ObjectLook> {
      const raw = await readResource(kube, currentRef(operator, input.ref));
      if (!raw) return { kind: 'gone' };
      const deleting = raw.metadata.deletionTimestamp !== undefined;
      if (deleting && !raw.metadata.finalizers?.some((f) => owned.includes(f))) return { kind: 'gone' };
      return { kind: 'present', uid: raw.metadata.uid, generation: raw.metadata.generation ?? 0 };
    },
  };
}

/** `ref` at the API version the operator's kind is served in now, when it names an object of that kind. */
export function currentRef(operator: OperatorDefinition, ref: ResourceRef): ResourceRef {
  const { kind } = operator;
  const same = ref.group === kind.group && ref.plural === kind.plural;
  return same && ref.version !== kind.version ? { ...ref, version: kind.version } : ref;
}
