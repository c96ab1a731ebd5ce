import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { ResourceRef } from '../core/resource-ref.js';
import {
  type ApplyOptions,
  KubeAbortedError,
  type KubeClient,
  KubeConflictError,
  type KubeFailure,
  KubeForbiddenError,
  KubeInvalidError,
  KubeNotFoundError,
  KubeUnavailableError,
  type ObjectRef,
  objectRefOf,
} from '../operator/kube-client.js';
import { kubeConfigOf } from '../runtime/kube-endpoint.js';
import { httpStatusOf, type KubeEndpoint, type KubeRequest, kubeRequest } from '../runtime/kube-http.js';
import { collectionPath } from '../runtime/kube-paths.js';
import { type KubeErrorBody, kubeMessage } from './errors.js';
import type { KubeDiscovery, ServedKind } from './kube-discovery.js';
import { mergeStatus, PATCH_TYPES } from './kube-objects.js';
import { fromWire, toWire } from './typed-objects.js';
import { sameObject, type WrittenObjects } from './written-objects.js';

/** What a step's client is bound to: the worker's identity and the resource the step works on. */
export interface KubeClientScope {
  /** The worker's identity; its client-node `KubeConfig` is made only if a step reads `kube.config`. */
  readonly kube: KubeEndpoint;
  /** Shared by every step of a worker, so discovery is asked once per API group version. */
  readonly discovery: KubeDiscovery;
  /** Server-side apply field manager: `staircase-<operator>`. */
  readonly fieldManager: string;
  readonly ref: ResourceRef;
  readonly uid: string;
  /** The step's signal: once it fired, no request is sent and one in flight is cut off. */
  readonly signal?: AbortSignal;
  /**
   * The objects the current apply wrote, when it confirms itself: writes are remembered there, and reads of an
   * object written take its answer (see {@link WrittenObjects}).
   */
  readonly written?: WrittenObjects;
}

const endpoints = new WeakMap<object, KubeEndpoint>();

/** The identity behind a step client the engine made (the engine's own steps make their calls with it). */
export function endpointOf(client: object): KubeEndpoint {
  const endpoint = endpoints.get(client);
  if (!endpoint) throw new TypeError('not a step client made by the engine (createKubeClient)');
  return endpoint;
}

const ENGINE_STATUS_FIELDS = ['phase', 'conditions', 'observedGeneration', 'currentStep'];

/** The typed client of one step call (see {@link KubeClient}). */
export function createKubeClient<Status>(scope: KubeClientScope): KubeClient<Status> {
  const { kube, discovery, ref, signal } = scope;
  const aborted = (verb: string, target: string) =>
    new KubeAbortedError(failure(verb, target, 0, `aborted: ${reasonOf(signal?.reason)}`), {
      cause: signal?.reason,
    });
  /** Throws before a request once the step's signal has fired. */
  const live = (verb: string, target: string) => {
    if (signal?.aborted) throw aborted(verb, target);
  };
  const classify = (error: unknown, verb: string, target: string) =>
    signal?.aborted ? aborted(verb, target) : classifyKubeError(error, verb, target);
  /** One request of the step, cut off by its signal, its failure classified. */
  const send = async <T>(verb: string, target: string, request: KubeRequest): Promise<T> => {
    live(verb, target);
    try {
      return await kubeRequest<T>(kube, { ...request, ...(signal ? { signal } : {}) });
    } catch (error) {
      throw classify(error, verb, target);
    }
  };
  const served = async (apiVersion: string, kind: string): Promise<ServedKind> => {
    const what = `${kind} ${apiVersion}`;
    live('find', what);
    const found = await discovery.kind(apiVersion, kind).catch((error: unknown) => {
      throw classify(error, 'find', what);
    });
    if (!found) throw new KubeInvalidError(failure('find', what, 404, 'no such kind is served'));
    return found;
  };
  /** The object's path, its namespace lent from the resource for namespaced kinds named without one. */
  const located = async (object: ObjectRef): Promise<{ where: ObjectRef; path: string }> => {
    const kind = await served(object.apiVersion, object.kind);
    if (!kind.namespaced || object.namespace) return { where: object, path: objectPath(object, kind) };
    if (!ref.namespace)
      throw new KubeInvalidError(
        failure(
          'find',
          describeRef(object),
          400,
          `${object.kind} is namespaced: name its namespace (the resource is cluster-scoped)`,
        ),
      );
    const where = { ...object, namespace: ref.namespace };
    return { where, path: objectPath(where, kind) };
  };
  /** Remembers a write's answer (none: deleted) for the confirming reads, when the apply confirms itself. */
  const wrote = (where: ObjectRef, answer?: KubernetesObject) => {
    const { written } = scope;
    if (!written) return;
    if (answer) written.remember(where, answer);
    else written.forget(where);
    if (sameObject(where, resourceObjectRef(ref))) written.forgetResource();
  };
  const client: KubeClient<Status> = {
    get config(): KubeConfig {
      return kubeConfigOf(kube);
    },
    async get<T extends KubernetesObject>(target: ObjectRef) {
      const { where, path } = await located(target);
      const answered = scope.written?.get(where);
      if (answered) return answered as T;
      try {
        return await fromWire<T>(await send('get', describeRef(where), { method: 'GET', path }));
      } catch (error) {
        if (error instanceof KubeNotFoundError) return undefined;
        throw error;
      }
    },
    async list<T extends KubernetesObject>(
      apiVersion: string,
      kind: string,
      listOptions: { readonly namespace?: string; readonly labelSelector?: string } = {},
    ) {
      const kindServed = await served(apiVersion, kind);
      const namespace = kindServed.namespaced ? (listOptions.namespace ?? ref.namespace) : undefined;
      const what = `${kind} ${apiVersion}${namespace ? ` in ${namespace}` : ''}`;
      const path = collectionPath({ apiVersion, kind, plural: kindServed.name }, namespace);
      const query = { labelSelector: listOptions.labelSelector };
      const list = await send('list', what, { method: 'GET', path, query });
      return (await fromWire<{ items?: T[] }>(list)).items ?? [];
    },
    async apply<T extends KubernetesObject>(object: T, applyOptions: ApplyOptions = {}) {
      const { where, path } = await located(objectRefOf(object));
      const verb = applyOptions.dryRun ? 'apply (dry run)' : 'apply';
      const owner = applyOptions.owned === false ? undefined : ownerReference(scope);
      const body = await toWire(withPlacement(object, where, owner));
      const query = {
        fieldManager: scope.fieldManager,
        force: 'true',
        dryRun: applyOptions.dryRun ? 'All' : undefined,
      };
      const request = { method: 'PATCH', path, query, body, contentType: PATCH_TYPES.apply } as const;
      const answer = await fromWire<T>(await send(verb, describeRef(where), request));
      if (!applyOptions.dryRun) wrote(where, answer);
      return answer;
    },
    async delete(target: ObjectRef) {
      const { where, path } = await located(target);
      try {
        await send('delete', describeRef(where), { method: 'DELETE', path });
      } catch (error) {
        if (error instanceof KubeNotFoundError) return false;
        throw error;
      }
      wrote(where);
      return true;
    },
    async patchStatus(status: Readonly<Partial<Status>>) {
      const target = describeRef(resourceObjectRef(ref));
      const reserved = Object.keys(status).filter((key) => ENGINE_STATUS_FIELDS.includes(key));
      if (reserved.length > 0)
        throw new KubeInvalidError(
          failure('patch status of', target, 400, `${reserved.join(', ')} belong to the engine`),
        );
      live('patch status of', target);
      try {
        const answer = await mergeStatus(kube, ref, scope.uid, status as Record<string, unknown>, signal);
        scope.written?.rememberResource(answer);
      } catch (error) {
        throw classify(error, 'patch status of', target);
      }
    },
  };
  endpoints.set(client, kube);
  return client;
}

/** The object's API path (its namespace only for namespaced kinds). */
function objectPath(object: ObjectRef, served: ServedKind): string {
  const kind = { apiVersion: object.apiVersion, kind: object.kind, plural: served.name };
  const namespace = served.namespaced ? object.namespace : undefined;
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(object.name)}`;
}

function ownerReference(scope: KubeClientScope) {
  const { ref } = scope;
  return {
    apiVersion: `${ref.group}/${ref.version}`,
    kind: ref.kind,
    name: ref.name,
    uid: scope.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The object in its namespace, with the resource as its controlling owner unless `owner` is absent. */
function withPlacement<T extends KubernetesObject>(
  object: T,
  where: ObjectRef,
  owner: object | undefined,
): T {
  const metadata = { ...object.metadata };
  if (where.namespace) metadata.namespace = where.namespace;
  if (owner) metadata.ownerReferences = [owner as NonNullable<typeof metadata.ownerReferences>[number]];
  return { ...object, metadata };
}

function resourceObjectRef(ref: ResourceRef): ObjectRef {
  return {
    apiVersion: `${ref.group}/${ref.version}`,
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
  };
}

function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function reasonOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function failure(verb: string, target: string, code: number, message: string): KubeFailure {
  return { verb, target, code, message };
}

/** Answers that will not heal by sending the same request again (the engine treats them so for raw calls too). */
const REFUSED = new Set([400, 405, 406, 413, 415, 422]);

/**
 * Classifies a failed request once: 403 forbidden and 400/422 invalid are permanent, 409 conflicts and anything
 * the server could not answer (429, 5xx, network) are transient.
 */
export function classifyKubeError(error: unknown, verb: string, target: string): Error {
  // The engine's KubeApiError, or client-node's ApiException (a step's own calls), told by shape.
  const code = httpStatusOf(error);
  if (code === undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return new KubeUnavailableError(failure(verb, target, 0, message), { cause: error });
  }
  const details = failure(verb, target, code, kubeMessage(error as KubeErrorBody));
  if (code === 401 || code === 403) return new KubeForbiddenError(details);
  if (REFUSED.has(code)) return new KubeInvalidError(details);
  if (code === 409) return new KubeConflictError(details);
  if (code === 404) return new KubeNotFoundError(details);
  return new KubeUnavailableError(details, { cause: error });
}
