import type { KubernetesObject } from '@kubernetes/client-node';
import { needsFix, passes } from '../core/check-result.js';
import { jsonDifferences } from '../core/json-diff.js';
import { objectRefOf } from './kube-client.js';
import type { ResourceKind, ResourceOf } from './resource-kind.js';
import { SettledChildren, settledKeyOf } from './settled-children.js';
import type { Step, StepPolicy } from './step.js';

/** Options of {@link childStep}. */
export interface ChildStepOptions<K extends ResourceKind, In, T extends KubernetesObject> {
  /** Stable step name (it labels activities and conditions). */
  readonly name: string;
  /**
   * The child as this operator wants it: only the fields it owns. `metadata.namespace` defaults to the resource's;
   * the owner reference to the resource is added for you. Must be pure.
   */
  desired(args: { readonly resource: ResourceOf<K>; readonly input: In }): T;
  readonly checkPolicy?: StepPolicy;
  readonly applyPolicy?: StepPolicy;
}

/** A live child as it passes on to the next step: without `managedFields`, which are large and of no use there. */
export type LiveChild<T extends KubernetesObject> = T;

/**
 * A step that keeps one owned child object as declared: the check reads the child and asks the API server what a
 * server-side apply of the desired object would change (a dry run), comparing that with the live child; the apply
 * makes that change. The live child passes on as the step's data. A child this worker saw settled — the answer of
 * its own apply, or a dry run that changed nothing — at the same resourceVersion, for the same desired object, is
 * not dry-run again (see {@link SettledChildren}): a check of a settled child is one read.
 *
 * Guarantees: only fields the operator states are compared, so fields the API server or other controllers default
 * or own (a Deployment's `strategy`, a Service's `clusterIP`) never cause a fix; a child edited by hand is put back
 * in one run (the apply forces this operator's fields); the child gets the resource as its controlling owner.
 * Caveats: needs `patch` permission on the child's kind for the dry run, also in checks. Add the kind to the
 * operator's `owns` so that changes to the child wake the resource's loop.
 */
export function childStep<
  K extends ResourceKind,
  In = unknown,
  T extends KubernetesObject = KubernetesObject,
>(_kind: K, options: ChildStepOptions<K, In, T>): Step<K, In, LiveChild<T>, undefined> {
  const settled = new SettledChildren();
  return {
    name: options.name,
    async check({ resource, kube }, input) {
      const desired = options.desired({ resource, input });
      const what = `${desired.kind} ${desired.metadata?.name}`;
      const live = await kube.get<T>(objectRefOf(desired));
      if (!live) return needsFix(`${what} is missing`);
      const key = settledKeyOf(resource, desired);
      if (settled.has(key, live)) return passes(withoutManagedFields(live));
      const drift = jsonDifferences(
        comparable(live),
        comparable(await kube.apply(desired, { dryRun: true })),
      );
      if (drift.length === 0) {
        settled.remember(key, live);
        return passes(withoutManagedFields(live));
      }
      const shown = drift.slice(0, 3).join(', ') + (drift.length > 3 ? `, and ${drift.length - 3} more` : '');
      return needsFix(`${what} differs at ${shown}`);
    },
    async apply({ resource, kube, input }) {
      const desired = options.desired({ resource, input });
      settled.remember(settledKeyOf(resource, desired), await kube.apply(desired));
      return { message: `applied ${desired.kind} ${desired.metadata?.name}` };
    },
    ...(options.checkPolicy ? { checkPolicy: options.checkPolicy } : {}),
    ...(options.applyPolicy ? { applyPolicy: options.applyPolicy } : {}),
  };
}

/** The object as plain JSON, without what a write always changes or a dry run cannot know. */
function comparable(object: KubernetesObject): unknown {
  const plain = JSON.parse(JSON.stringify(object)) as {
    metadata?: Record<string, unknown>;
    status?: unknown;
  };
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = plain.metadata ?? {};
  const { status: _s, ...rest } = plain;
  return { ...rest, metadata };
}

function withoutManagedFields<T extends KubernetesObject>(object: T): T {
  const plain = JSON.parse(JSON.stringify(object)) as T;
  if (plain.metadata) delete plain.metadata.managedFields;
  return plain;
}
