import { createHash } from 'node:crypto';
import {
  ApiException,
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { EventNote } from '../core/activity-contract.js';
import type { ResourceRef } from '../core/resource-ref.js';
import type { Resource } from '../operator/resource-kind.js';
import { isNotFound } from './errors.js';

/** A custom resource as read from the API server, spec not yet validated. */
export type RawResource = Resource<unknown, Record<string, unknown>>;

/** Request options that send a PATCH as the given strategy. */
export function patchAs(strategy: PatchStrategy): ConfigurationOptions {
  return setHeaderOptions('Content-Type', strategy);
}

/** Reads a custom resource; `undefined` when it does not exist. */
export async function readResource(kube: KubeConfig, ref: ResourceRef): Promise<RawResource | undefined> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const target = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name };
  try {
    const object = ref.namespace
      ? await api.getNamespacedCustomObject({ ...target, namespace: ref.namespace })
      : await api.getClusterCustomObject(target);
    return object as RawResource;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Applies a JSON patch (RFC 6902) to a custom resource's main resource. */
export async function jsonPatchResource(
  kube: KubeConfig,
  ref: ResourceRef,
  patch: readonly object[],
): Promise<void> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const target = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name, body: patch };
  const options = patchAs(PatchStrategy.JsonPatch);
  if (ref.namespace) await api.patchNamespacedCustomObject({ ...target, namespace: ref.namespace }, options);
  else await api.patchClusterCustomObject(target, options);
}

/**
 * Merges `status` into the status subresource of the object with `uid` (a JSON merge patch; the uid makes the API
 * server refuse it if the name now belongs to a recreated object).
 */
export async function mergeStatus(
  kube: KubeConfig,
  ref: ResourceRef,
  uid: string,
  status: Readonly<Record<string, unknown>>,
): Promise<void> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const body = { metadata: { uid }, status };
  const target = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name, body };
  const options = patchAs(PatchStrategy.MergePatch);
  if (ref.namespace)
    await api.patchNamespacedCustomObjectStatus({ ...target, namespace: ref.namespace }, options);
  else await api.patchClusterCustomObjectStatus(target, options);
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
  kube: KubeConfig,
  ref: ResourceRef,
  uid: string,
  status: Readonly<Record<string, unknown>>,
): Promise<void> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const metadata = { name: ref.name, uid, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
  const body = { apiVersion: `${ref.group}/${ref.version}`, kind: ref.kind, metadata, status };
  const target = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name, body };
  const apply = { fieldManager: ENGINE_FIELD_MANAGER, force: true };
  const options = patchAs(PatchStrategy.ServerSideApply);
  if (ref.namespace)
    await api.patchNamespacedCustomObjectStatus({ ...target, ...apply, namespace: ref.namespace }, options);
  else await api.patchClusterCustomObjectStatus({ ...target, ...apply }, options);
}

/**
 * Emits a Kubernetes Event about the object (in `default` for cluster-scoped objects), aggregated as the kubelet
 * and controllers do: the same type, reason and message about the same object is one Event whose `count` and
 * `lastTimestamp` grow, so a resource failing run after run does not flood its namespace with Events.
 */
export async function emitEvent(
  kube: KubeConfig,
  ref: ResourceRef,
  uid: string,
  note: EventNote,
): Promise<void> {
  const core = kube.makeApiClient(CoreV1Api);
  const namespace = ref.namespace ?? 'default';
  const message = note.message.slice(0, 1024);
  const digest = createHash('sha256')
    .update(`${uid}\n${note.type}\n${note.reason}\n${message}`)
    .digest('hex');
  const name = `${ref.name}.${digest.slice(0, 16)}`;
  const now = new Date();
  try {
    await core.createNamespacedEvent({
      namespace,
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
    if (!(error instanceof ApiException && error.code === 409)) throw error;
    // Seen before: count it. Two workers counting at once may lose one increment; Events are best-effort.
    const seen = await core.readNamespacedEvent({ name, namespace });
    await core.patchNamespacedEvent(
      { name, namespace, body: { count: (seen.count ?? 1) + 1, lastTimestamp: now } },
      patchAs(PatchStrategy.MergePatch),
    );
  }
}
