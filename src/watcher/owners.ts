import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceRef } from '../core/resource-ref.js';
import type { ResourceKind } from '../operator/resource-kind.js';

/** Label a child may carry to name its owner, when owner references cannot: the owner's name. */
export const OWNER_LABEL = 'staircase.dev/owner';
/**
 * Label beside {@link OWNER_LABEL} naming the owner's namespace when it is not the child's own. A separate label
 * because names may contain dots (`my.site`), so no separator inside one label value is unambiguous.
 */
export const OWNER_NAMESPACE_LABEL = 'staircase.dev/owner-namespace';

/**
 * The primary resource that owns `child`: through its controller owner reference (same namespace) or, failing
 * that, the {@link OWNER_LABEL} label (in the namespace {@link OWNER_NAMESPACE_LABEL} names, by default the
 * child's). `undefined` when `child` belongs to nothing of this kind.
 */
export function ownerOf(child: KubernetesObject, kind: ResourceKind): ResourceRef | undefined {
  const metadata = child.metadata ?? {};
  const controller = metadata.ownerReferences?.find((ref) => ref.controller);
  if (controller && controller.apiVersion === kind.apiVersion && controller.kind === kind.kind) {
    return kind.ref(controller.name, kind.scope === 'Namespaced' ? metadata.namespace : undefined);
  }
  const name = metadata.labels?.[OWNER_LABEL];
  if (!name) return undefined;
  if (kind.scope === 'Cluster') return kind.ref(name);
  return kind.ref(name, metadata.labels?.[OWNER_NAMESPACE_LABEL] || metadata.namespace);
}
