import {
  type Configuration,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
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
import { httpStatusOf } from '../runtime/kube-http.js';
import { type KubeErrorBody, kubeMessage } from './errors.js';
import { mergeStatus } from './kube-objects.js';
import { sameObject, type WrittenObjects } from './written-objects.js';

/** client-node's object API, with its discovery (which kinds are namespaced) made reachable. */
export class ObjectApi extends KubernetesObjectApi {
  /** True for namespaced kinds; discovery answers are cached per instance. */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource)
      throw new KubeInvalidError(failure('find', `${kind} ${apiVersion}`, 404, 'no such kind is served'));
    return resource.namespaced;
  }

  /**
   * Per-request options that put `signal` on every request made with them (client-node 2.x hands a request
   * context's signal to `fetch`; its per-call middleware is not applied by the object API, its server is).
   */
  withSignal(signal: AbortSignal): Configuration {
    const server = this.configuration.baseServer;
    return {
      ...this.configuration,
      baseServer: {
        makeRequestContext(endpoint, method) {
          const request = server.makeRequestContext(endpoint, method);
          request.setSignal(signal);
          return request;
        },
      },
    };
  }
}

/** What a step's client is bound to: the worker's identity and the resource the step works on. */
export interface KubeClientScope {
  readonly config: KubeConfig;
  /** Shared by every step of a worker, so discovery is asked once per kind. */
  readonly api: ObjectApi;
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

const ENGINE_STATUS_FIELDS = ['phase', 'conditions', 'observedGeneration', 'currentStep'];

/** The typed client of one step call (see {@link KubeClient}). */
export function createKubeClient<Status>(scope: KubeClientScope): KubeClient<Status> {
  const { api, ref, signal } = scope;
  const options = signal ? api.withSignal(signal) : undefined;
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
  const located = async <T extends ObjectRef>(object: T): Promise<T> => {
    live('find', describeRef(object));
    if (object.namespace || !(await api.isNamespaced(object.apiVersion, object.kind))) return object;
    if (ref.namespace) return { ...object, namespace: ref.namespace };
    // A cluster-scoped resource has no namespace to lend: client-node would silently pick `default`.
    throw new KubeInvalidError(
      failure(
        'find',
        describeRef(object),
        400,
        `${object.kind} is namespaced: name its namespace (the resource is cluster-scoped)`,
      ),
    );
  };
  /** Remembers a write's answer (none: deleted) for the confirming reads, when the apply confirms itself. */
  const wrote = (where: ObjectRef, answer?: KubernetesObject) => {
    const { written } = scope;
    if (!written) return;
    if (answer) written.remember(where, answer);
    else written.forget(where);
    if (sameObject(where, resourceObjectRef(ref))) written.forgetResource();
  };
  return {
    config: scope.config,
    async get<T extends KubernetesObject>(target: ObjectRef) {
      const where = await located(target);
      const answered = scope.written?.get(where);
      if (answered) return answered as T;
      live('get', describeRef(where));
      try {
        return (await api.read(header(where), undefined, undefined, undefined, options)) as T;
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined;
        throw classify(error, 'get', describeRef(where));
      }
    },
    async list<T extends KubernetesObject>(
      apiVersion: string,
      kind: string,
      listOptions: { readonly namespace?: string; readonly labelSelector?: string } = {},
    ) {
      const what = `${kind} ${apiVersion}`;
      live('list', what);
      const namespaced = await api.isNamespaced(apiVersion, kind);
      const namespace = namespaced ? (listOptions.namespace ?? ref.namespace) : undefined;
      live('list', what);
      try {
        const list = await api.list<T>(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          listOptions.labelSelector,
          undefined,
          undefined,
          options,
        );
        return list.items;
      } catch (error) {
        throw classify(error, 'list', `${what}${namespace ? ` in ${namespace}` : ''}`);
      }
    },
    async apply<T extends KubernetesObject>(object: T, applyOptions: ApplyOptions = {}) {
      const where = await located(objectRefOf(object));
      const verb = applyOptions.dryRun ? 'apply (dry run)' : 'apply';
      const body = withPlacement(
        object,
        where,
        applyOptions.owned === false ? undefined : ownerReference(scope),
      );
      live(verb, describeRef(where));
      try {
        const dryRun = applyOptions.dryRun ? 'All' : undefined;
        const answer = await api.patch(
          body,
          undefined,
          dryRun,
          scope.fieldManager,
          true,
          PatchStrategy.ServerSideApply,
          options,
        );
        if (!dryRun) wrote(where, answer);
        return answer;
      } catch (error) {
        throw classify(error, verb, describeRef(where));
      }
    },
    async delete(target: ObjectRef) {
      const where = await located(target);
      live('delete', describeRef(where));
      try {
        await api.delete(
          header(where),
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          options,
        );
        wrote(where);
        return true;
      } catch (error) {
        if (httpStatusOf(error) === 404) return false;
        throw classify(error, 'delete', describeRef(where));
      }
    },
    async patchStatus(status: Readonly<Partial<Status>>) {
      const reserved = Object.keys(status).filter((key) => ENGINE_STATUS_FIELDS.includes(key));
      if (reserved.length > 0)
        throw new KubeInvalidError(
          failure(
            'patch status of',
            describeRef(resourceObjectRef(ref)),
            400,
            `${reserved.join(', ')} belong to the engine`,
          ),
        );
      live('patch status of', describeRef(resourceObjectRef(ref)));
      try {
        const answer = await mergeStatus(scope.config, ref, scope.uid, status as Record<string, unknown>);
        scope.written?.rememberResource(answer);
      } catch (error) {
        throw classify(error, 'patch status of', describeRef(resourceObjectRef(ref)));
      }
    },
  };
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

function header(ref: ObjectRef) {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
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
  // client-node's ApiException (reads, applies) or the engine's KubeApiError (status patches), told by shape.
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
