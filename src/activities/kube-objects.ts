import { createHash } from 'node:crypto';
import type { EventNote } from '../core/activity-contract.js';
import type { ResourceRef } from '../core/resource-ref.js';
import type { Resource } from '../operator/resource-kind.js';
import { httpStatusOf, type KubeEndpoint, kubeRequest } from '../runtime/kube-http.js';
import { isNotFound } from './errors.js';

/** The content types of the patches the engine sends (client-node's `PatchStrategy`, without loading it). */
export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** A custom resource as read from the API server, spec not yet validated. */
export type RawResource = Resource<unknown, Record<string, unknown>>;

/** The API path of the custom resource `ref` (its status subresource with `subresource: 'status'`). */
function resourcePath(ref: ResourceRef, subresource?: 'status'): string {
  const where = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const tail = subresource ? `/${subresource}` : '';
  const kind = `/apis/${encodeURIComponent(ref.group)}/${encodeURIComponent(ref.version)}`;
  return `${kind}${where}/${encodeURIComponent(ref.plural)}/${encodeURIComponent(ref.name)}${tail}`;
}

/** Reads a custom resource; `undefined` when it does not exist. */
export async function readResource(kube: KubeEndpoint, ref: ResourceRef): Promise<RawResource | undefined> {
  try {
    return await kubeRequest<RawResource>(kube, { method: 'GET', path: resourcePath(ref) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Applies a JSON patch (RFC 6902) to a custom resource's main resource. */
export async function jsonPatchResource(
  kube: KubeEndpoint,
  ref: ResourceRef,
  patch: readonly object[],
): Promise<void> {
  const path = resourcePath(ref);
  await kubeRequest(kube, { method: 'PATCH', path, body: patch, contentType: PATCH_TYPES.json });
}

/**
 * Merges `status` into the status subresource of the object with `uid` (a JSON merge patch; the uid makes the API
 * server refuse it if the name now belongs to a recreated object), and answers the object as the patch left it.
 * `signal` cuts the request off.
 */
export async function mergeStatus(
  kube: KubeEndpoint,
  ref: ResourceRef,
  uid: string,
  status: Readonly<Record<string, unknown>>,
  signal?: AbortSignal,
): Promise<RawResource> {
  const body = { metadata: { uid }, status };
  const path = resourcePath(ref, 'status');
  const cut = signal ? { signal } : {};
  return await kubeRequest(kube, { method: 'PATCH', path, body, contentType: PATCH_TYPES.merge, ...cut });
}

/** The field manager of the engine's own status fields. */
export const ENGINE_FIELD_MANAGER = 'staircase-engine';

/**
 * Writes the engine's status fields (`observedGeneration`, `phase`, `currentStep`, `conditions`) with server-side
 * apply to the status subresource of the object with `uid`.
 *
 * Guarantees: operator status fields and conditions of other types (written by others: the CRD lists conditions
 * as a map keyed by `type`) are kept; a field the engine set before and omits now (a cleared `currentStep`) is
 * removed.
 */
export async function applyEngineStatus(
  kube: KubeEndpoint,
  ref: ResourceRef,
  uid: string,
  status: Readonly<Record<string, unknown>>,
): Promise<void> {
  const metadata = { name: ref.name, uid, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
  const body = { apiVersion: `${ref.group}/${ref.version}`, kind: ref.kind, metadata, status };
  await kubeRequest(kube, {
    method: 'PATCH',
    path: resourcePath(ref, 'status'),
    query: { fieldManager: ENGINE_FIELD_MANAGER, force: 'true' },
    body,
    contentType: PATCH_TYPES.apply,
  });
}

/**
 * Emits a Kubernetes Event about the object (in `default` for cluster-scoped objects), aggregated as the kubelet
 * and controllers do: the same type, reason and message about the same object is one Event whose `count` and
 * `lastTimestamp` grow, so a resource failing run after run does not flood its namespace with Events.
 */
export async function emitEvent(
  kube: KubeEndpoint,
  ref: ResourceRef,
  uid: string,
  note: EventNote,
): Promise<void> {
  const namespace = ref.namespace ?? 'default';
  const events = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  const message = note.message.slice(0, 1024);
  const digest = createHash('sha256')
    .update(`${uid}\n${note.type}\n${note.reason}\n${message}`)
    .digest('hex');
  const name = `${ref.name}.${digest.slice(0, 16)}`;
  const now = new Date();
  try {
    await kubeRequest(kube, {
      method: 'POST',
      path: events,
      body: {
        metadata: { name },
        involvedObject: {
          apiVersion: `${ref.group}/${ref.version}`,
          kind: ref.kind,
          name: ref.name,
          uid,
          ...(ref.namespace ? { namespace: ref.namespace } : {}),
        },
        type: note.type,
        reason: note.reason,
        message,
        source: { component: 'staircase' },
        reportingComponent: 'staircase',
        reportingInstance: 'staircase',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  } catch (error) {
    if (httpStatusOf(error) !== 409) throw error;
    // Seen before: count it. Two workers counting at once may lose one increment; Events are best-effort.
    const path = `${events}/${encodeURIComponent(name)}`;
    const seen = await kubeRequest<{ count?: number }>(kube, { method: 'GET', path });
    await kubeRequest(kube, {
      method: 'PATCH',
      path,
      body: { count: (seen.count ?? 1) + 1, lastTimestamp: now },
      contentType: PATCH_TYPES.merge,
    });
  }
}
