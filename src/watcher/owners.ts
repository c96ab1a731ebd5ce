import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceRef } from '../core/resource-ref.js';
import type { ResourceKind } from '../operator/resource-kind.js';

/** Label a child may carry to name its owner (`<name>` or `<namespace>.<name>`), when owner references cannot. */
export const OWNER_LABEL = 'staircase.dev/owner';

/**
 * The primary resource that owns `child`: through its controller owner reference (same namespace) or, failing
 * that, the {@link OWNER_LABEL} label. `undefined` when `child` belongs to nothing of this kind.
 */
export function ownerOf(child: KubernetesObject, kind: ResourceKind): ResourceRef | undefined {
  const metadata = child.metadata ?? {};
  const controller = metadata.ownerReferences?.find((ref) => ref.controller);
  if (controller && controller.apiVersion === kind.apiVersion && controller.kind === kind.kind) {
    return kind.ref(controller.name, kind.scope === 'Namespaced' ? metadata.namespace : undefined);
  }
  const label = metadata.labels?.[OWNER_LABEL];
  if (!label) return undefined;
  if (kind.scope === 'Cluster') return kind.ref(label);
  const dot = label.indexOf('.');
  return dot > 0 ? kind.ref(label.slice(dot + 1), label.slice(0, dot)) : kind.ref(label, metadata.namespace);
}
