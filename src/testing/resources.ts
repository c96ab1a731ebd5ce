import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ResourceRef } from '../core/resource-ref.js';
import type { ResourceKind } from '../operator/resource-kind.js';

/** A custom resource as a test reads it: spec and status are plain JSON. */
export interface TestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid: string;
    readonly generation?: number;
    readonly finalizers?: string[];
    readonly deletionTimestamp?: string;
  };
  readonly spec: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}

/** Reads, writes and deletes custom resources with one client configuration. */
export class TestResources {
  private readonly api: CustomObjectsApi;

  constructor(kube: KubeConfig) {
    this.api = kube.makeApiClient(CustomObjectsApi);
  }

  /** Creates a resource; `namespace` is ignored for cluster-scoped kinds. */
  async create(
    kind: ResourceKind,
    name: string,
    spec: Record<string, unknown>,
    namespace: string | undefined,
  ): Promise<ResourceRef> {
    const ref = kind.ref(name, kind.scope === 'Namespaced' ? namespace : undefined);
    const body = { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name }, spec };
    const where = { group: kind.group, version: kind.version, plural: kind.plural, body };
    if (ref.namespace) await this.api.createNamespacedCustomObject({ ...where, namespace: ref.namespace });
    else await this.api.createClusterCustomObject(where);
    return ref;
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: ResourceRef): Promise<TestObject | undefined> {
    try {
      const where = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name };
      const object = ref.namespace
        ? await this.api.getNamespacedCustomObject({ ...where, namespace: ref.namespace })
        : await this.api.getClusterCustomObject(where);
      return object as TestObject;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  /** Merges `spec` into the object's spec (JSON merge patch: `null` removes a field). */
  async patchSpec(ref: ResourceRef, spec: Record<string, unknown>): Promise<void> {
    const where = {
      group: ref.group,
      version: ref.version,
      plural: ref.plural,
      name: ref.name,
      body: { spec },
    };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    if (ref.namespace)
      await this.api.patchNamespacedCustomObject({ ...where, namespace: ref.namespace }, merge);
    else await this.api.patchClusterCustomObject(where, merge);
  }

  /** Asks for deletion (finalizers run first); an object already gone is fine. */
  async delete(ref: ResourceRef): Promise<void> {
    const where = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name };
    try {
      if (ref.namespace) await this.api.deleteNamespacedCustomObject({ ...where, namespace: ref.namespace });
      else await this.api.deleteClusterCustomObject(where);
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }
}

/** The condition of `type` in an object's status, if any. */
export function conditionOf(
  object: TestObject | undefined,
  type: string,
): { type: string; status: string; reason?: string; message?: string } | undefined {
  const conditions = object?.status?.conditions as { type: string; status: string }[] | undefined;
  return conditions?.find((c) => c.type === type);
}
