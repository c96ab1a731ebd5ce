import {
  ApiException,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import type { ResourceRef } from '../core/resource-ref.js';
import {
  type ApplyOptions,
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
import { kubeMessage } from './errors.js';
import { mergeStatus } from './kube-objects.js';

/** client-node's object API, with its discovery (which kinds are namespaced) made reachable. */
export class ObjectApi extends KubernetesObjectApi {
  /** True for namespaced kinds; discovery answers are cached per instance. */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource)
      throw new KubeInvalidError(failure('find', `${kind} ${apiVersion}`, 404, 'no such kind is served'));
    return resource.namespaced;
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
}

const ENGINE_STATUS_FIELDS = ['phase', 'conditions', 'observedGeneration', 'currentStep'];

/** The typed client of one step call (see {@link KubeClient}). */
export function createKubeClient<Status>(scope: KubeClientScope): KubeClient<Status> {
  const { api, ref } = scope;
  const located = async <T extends ObjectRef>(object: T): Promise<T> => {
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
  return {
    config: scope.config,
    async get<T extends KubernetesObject>(target: ObjectRef) {
      const where = await located(target);
      try {
        return (await api.read(header(where))) as T;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw classifyKubeError(error, 'get', describeRef(where));
      }
    },
    async list<T extends KubernetesObject>(
      apiVersion: string,
      kind: string,
      options: { readonly namespace?: string; readonly labelSelector?: string } = {},
    ) {
      const namespaced = await api.isNamespaced(apiVersion, kind);
      const namespace = namespaced ? (options.namespace ?? ref.namespace) : undefined;
      try {
        const list = await api.list<T>(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          options.labelSelector,
        );
        return list.items;
      } catch (error) {
        throw classifyKubeError(error, 'list', `${kind} ${apiVersion}${namespace ? ` in ${namespace}` : ''}`);
      }
    },
    async apply<T extends KubernetesObject>(object: T, options: ApplyOptions = {}) {
      const where = await located(objectRefOf(object));
      const body = withPlacement(object, where, options.owned === false ? undefined : ownerReference(scope));
      try {
        const dryRun = options.dryRun ? 'All' : undefined;
        return await api.patch(
          body,
          undefined,
          dryRun,
          scope.fieldManager,
          true,
          PatchStrategy.ServerSideApply,
        );
      } catch (error) {
        throw classifyKubeError(error, options.dryRun ? 'apply (dry run)' : 'apply', describeRef(where));
      }
    },
    async delete(target: ObjectRef) {
      const where = await located(target);
      try {
        await api.delete(header(where));
        return true;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return false;
        throw classifyKubeError(error, 'delete', describeRef(where));
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
      try {
        await mergeStatus(scope.config, ref, scope.uid, status as Record<string, unknown>);
      } catch (error) {
        throw classifyKubeError(error, 'patch status of', describeRef(resourceObjectRef(ref)));
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
  if (!(error instanceof ApiException)) {
    const message = error instanceof Error ? error.message : String(error);
    return new KubeUnavailableError(failure(verb, target, 0, message), { cause: error });
  }
  const details = failure(verb, target, error.code, kubeMessage(error));
  if (error.code === 401 || error.code === 403) return new KubeForbiddenError(details);
  if (REFUSED.has(error.code)) return new KubeInvalidError(details);
  if (error.code === 409) return new KubeConflictError(details);
  if (error.code === 404) return new KubeNotFoundError(details);
  return new KubeUnavailableError(details, { cause: error });
}
