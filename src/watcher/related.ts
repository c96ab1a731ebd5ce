import type { KubernetesObject } from '@kubernetes/client-node';
import { type ResourceRef, workflowIdFor } from '../core/resource-ref.js';
import type { RelatedKind, RelatedTarget } from '../operator/operator.js';
import type { ResourceKind, ResourceOf } from '../operator/resource-kind.js';

/** A related kind's `map` threw; the event is skipped (logged by the watcher). */
export class RelatedMapError extends Error {
  override readonly name = 'RelatedMapError';
  constructor(
    readonly relatedKind: string,
    readonly object: string,
    options?: ErrorOptions,
  ) {
    super(`map of watched kind ${relatedKind} failed for ${object}`, options);
  }
}

/** What {@link mapRelated} needs of the operator's primary resources. */
export interface PrimaryView<K extends ResourceKind> {
  readonly kind: K;
  /** The cached resources with valid specs (what `map` gets as `resources`). */
  resources(): readonly ResourceOf<K>[];
  /** Whether the watcher knows a resource with this workflow ID (it exists and is in scope). */
  knows(workflowId: string): boolean;
}

/** The reference of one `map` result: a bare name lives in the object's namespace (for namespaced kinds). */
export function targetRef(
  kind: ResourceKind,
  target: RelatedTarget,
  objectNamespace: string | undefined,
): ResourceRef {
  if (typeof target === 'string')
    return kind.ref(target, kind.scope === 'Namespaced' ? objectNamespace : undefined);
  return kind.ref(target.name, kind.scope === 'Namespaced' ? target.namespace : undefined);
}

/**
 * The resources a change of `object` affects: `watch.map`'s targets, as references of the operator's kind, without
 * duplicates, and only those the watcher knows (so a mapper naming a resource that does not exist, or one outside
 * the watcher's namespaces or label selector, starts no loop).
 *
 * @throws {RelatedMapError} when `map` throws or returns something that is not a list.
 */
export function mapRelated<K extends ResourceKind>(
  watch: RelatedKind<K>,
  object: KubernetesObject,
  primary: PrimaryView<K>,
): ResourceRef[] {
  const where = `${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
  let targets: readonly RelatedTarget[];
  try {
    targets = watch.map(object, { resources: primary.resources() });
    if (!Array.isArray(targets)) throw new TypeError(`map returned ${typeof targets}, not a list`);
  } catch (error) {
    throw new RelatedMapError(watch.kind, where, { cause: error });
  }
  const refs = new Map<string, ResourceRef>();
  for (const target of targets) {
    const ref = targetRef(primary.kind, target, object.metadata?.namespace);
    const id = workflowIdFor(ref);
    if (primary.knows(id)) refs.set(id, ref);
  }
  return [...refs.values()];
}
