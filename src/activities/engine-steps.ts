import { needsFix, passes } from '../core/check-result.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { RESERVED_STEP_PREFIX } from '../operator/plan.js';
import type { ResourceKind } from '../operator/resource-kind.js';
import type { Step, StepContext } from '../operator/step.js';
import { httpStatusOf, type KubeEndpoint } from '../runtime/kube-http.js';
import { FinalizerPatchConflict } from './errors.js';
import { endpointOf } from './kube-client.js';
import { emitEvent, jsonPatchResource, type RawResource, readResource } from './kube-objects.js';

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

/**
 * The engine step that removes the engine's `finalizers` (the current one and those it owned under earlier names)
 * once every cleanup step passes, in one patch; the API server then deletes. With `skipped` (why the cleanup plan
 * did not run), its apply also emits a Warning Event `CleanupSkipped` saying so.
 */
export function removeFinalizerStep<K extends ResourceKind>(
  finalizers: readonly string[],
  skipped?: string,
): Step<K, unknown, undefined, undefined> {
  const held = (list: readonly string[] | undefined) => (list ?? []).filter((f) => finalizers.includes(f));
  return {
    name: REMOVE_FINALIZER_STEP,
    check: ({ resource }) => {
      if (held(resource.metadata.finalizers).length === 0) return passes();
      return needsFix(skipped ? `cleanup skipped: ${skipped}` : 'cleanup finished');
    },
    apply: async (context) => {
      let removed: readonly string[] = [];
      await patchFinalizers(context, (list) => {
        removed = held(list);
        return removed.length > 0 ? list.filter((f) => !finalizers.includes(f)) : undefined;
      });
      const what = `removed finalizer ${removed.join(', ') || finalizers[0]}`;
      if (!skipped) return { message: what };
      const message = `${what} without running the cleanup plan: ${skipped}`;
      await emitEvent(endpointOf(context.kube), context.ref, context.resource.metadata.uid, {
        type: 'Warning',
        reason: 'CleanupSkipped',
        message,
      }).catch(() => {});
      return { message };
    },
  };
}

/**
 * Rewrites the finalizer list from a fresh read, guarded by `test` operations on uid and resourceVersion so a
 * concurrent change makes the patch fail (and the apply retry from a fresh read) instead of clobbering it.
 *
 * Errors: {@link FinalizerPatchConflict} (retried) when the guard fails because the object changed meanwhile.
 */
async function patchFinalizers<K extends ResourceKind>(
  context: StepContext<K>,
  change: (current: readonly string[]) => readonly string[] | undefined,
): Promise<void> {
  const kube = endpointOf(context.kube);
  const fresh = await readResource(kube, context.ref);
  if (!fresh || fresh.metadata.uid !== context.resource.metadata.uid) return;
  const next = change(fresh.metadata.finalizers ?? []);
  if (!next) return;
  await guardedFinalizerPatch(kube, context.ref, fresh, next);
}

/**
 * Sets `fresh`'s finalizers to `next` unless the object changed since `fresh` was read.
 *
 * Errors: {@link FinalizerPatchConflict} when it did (a lost race, retried like a 409); the API server's error
 * otherwise.
 */
export async function guardedFinalizerPatch(
  kube: KubeEndpoint,
  ref: ResourceRef,
  fresh: RawResource,
  next: readonly string[],
): Promise<void> {
  try {
    await jsonPatchResource(kube, ref, [
      { op: 'test', path: '/metadata/uid', value: fresh.metadata.uid },
      { op: 'test', path: '/metadata/resourceVersion', value: fresh.metadata.resourceVersion },
      { op: 'add', path: '/metadata/finalizers', value: next },
    ]);
  } catch (error) {
    // A failed `test` answers 422 like a malformed patch: the object having changed since `fresh` tells them apart.
    if (httpStatusOf(error) === 422) {
      const now = await readResource(kube, ref);
      if (now?.metadata.resourceVersion !== fresh.metadata.resourceVersion)
        throw new FinalizerPatchConflict(ref, error);
    }
    throw error;
  }
}
