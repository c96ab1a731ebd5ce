import { needsFix, passes } from '../core/check-result.js';
import { RESERVED_STEP_PREFIX } from '../operator/plan.js';
import type { ResourceKind } from '../operator/resource-kind.js';
import type { Step, StepContext } from '../operator/step.js';
import { jsonPatchResource, readResource } from './kube-objects.js';

/** Name of the engine's first step when the operator has a cleanup plan. */
export const ADD_FINALIZER_STEP = `${RESERVED_STEP_PREFIX}add-finalizer`;
/** Name of the engine's last cleanup step. */
export const REMOVE_FINALIZER_STEP = `${RESERVED_STEP_PREFIX}remove-finalizer`;

/** The engine step that puts `finalizer` on the resource, so deletion waits for the cleanup plan. */
export function addFinalizerStep<K extends ResourceKind>(
  finalizer: string,
): Step<K, undefined, undefined, undefined> {
  return {
    name: ADD_FINALIZER_STEP,
    check: ({ resource }) =>
      resource.metadata.finalizers?.includes(finalizer)
        ? passes()
        : needsFix(`finalizer ${finalizer} is missing`),
    apply: async (context) => {
      await patchFinalizers(context, (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]));
      return { message: `added finalizer ${finalizer}` };
    },
  };
}

/** The engine step that removes `finalizer` once every cleanup step passes; the API server then deletes. */
export function removeFinalizerStep<K extends ResourceKind>(
  finalizer: string,
): Step<K, unknown, undefined, undefined> {
  return {
    name: REMOVE_FINALIZER_STEP,
    check: ({ resource }) =>
      resource.metadata.finalizers?.includes(finalizer) ? needsFix('cleanup finished') : passes(),
    apply: async (context) => {
      await patchFinalizers(context, (list) =>
        list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined,
      );
      return { message: `removed finalizer ${finalizer}` };
    },
  };
}

/**
 * Rewrites the finalizer list from a fresh read, guarded by `test` operations on uid and resourceVersion so a
 * concurrent change makes the patch fail (and the apply retry from a fresh read) instead of clobbering it.
 */
async function patchFinalizers<K extends ResourceKind>(
  context: StepContext<K>,
  change: (current: readonly string[]) => readonly string[] | undefined,
): Promise<void> {
  const fresh = await readResource(context.kube.config, context.ref);
  if (!fresh || fresh.metadata.uid !== context.resource.metadata.uid) return;
  const next = change(fresh.metadata.finalizers ?? []);
  if (!next) return;
  await jsonPatchResource(context.kube.config, context.ref, [
    { op: 'test', path: '/metadata/uid', value: fresh.metadata.uid },
    { op: 'test', path: '/metadata/resourceVersion', value: fresh.metadata.resourceVersion },
    { op: 'add', path: '/metadata/finalizers', value: next },
  ]);
}
