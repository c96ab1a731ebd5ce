import {
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createKubeClient, endpointOf } from '../../src/activities/kube-client.js';
import { KubeDiscovery } from '../../src/activities/kube-discovery.js';
import { installCrd } from '../../src/devenv/install-crd.js';
import {
  KubeAbortedError,
  type KubeClient,
  KubeInvalidError,
  KubeNotFoundError,
  objectRefOf,
} from '../../src/operator/kube-client.js';
import { isClientNodeConfig, loadKubeEndpoint } from '../../src/runtime/kube-endpoint.js';
import type { KubeEndpoint } from '../../src/runtime/kube-http.js';
import { adminKubeConfig, createTestNamespace, uniqueName } from '../support/kube.js';
import { App } from './fixtures.js';

/**
 * The step client of the App `owner` in `namespace` (none: a made-up cluster-scoped resource), as a worker makes
 * it; `uid` is the owner's (a made-up one by default: apply only with `owned: false` then, or the control plane's
 * garbage collector deletes the child of an owner that does not exist).
 */
function stepClient(
  kube: KubeEndpoint,
  namespace: string | undefined,
  options: { readonly signal?: AbortSignal; readonly uid?: string } = {},
): KubeClient {
  return createKubeClient({
    kube,
    discovery: new KubeDiscovery(kube),
    fieldManager: 'staircase-client-test',
    ref: {
      group: App.group,
      version: App.version,
      kind: App.kind,
      plural: App.plural,
      name: 'owner',
      ...(namespace ? { namespace } : {}),
    },
    uid: options.uid ?? '00000000-0000-4000-8000-000000000001',
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

const leanAdmin = () => loadKubeEndpoint({ file: inject('kube').adminKubeconfigPath, fallback: 'default' });

const configMap = (name: string, labels: Record<string, string> = {}): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data: { greeting: 'hello' },
});

describe('a step’s Kubernetes client (on the engine’s own HTTP path)', () => {
  beforeAll(async () => {
    await installCrd(adminKubeConfig(), App.crd());
  });

  it('applies into the resource’s namespace with the resource as owner, reads, lists by label and deletes', async () => {
    const namespace = await createTestNamespace('client');
    const owner: KubernetesObject = await KubernetesObjectApi.makeApiClient(adminKubeConfig()).create({
      apiVersion: `${App.group}/${App.version}`,
      kind: App.kind,
      metadata: { name: 'owner', namespace },
      spec: { motto: 'owns' },
    });
    const kube = stepClient(await leanAdmin(), namespace, { uid: owner.metadata?.uid as string });
    const name = uniqueName('cm');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name };
    expect(await kube.get(ref)).toBeUndefined();

    const dry = await kube.apply(configMap(name), { dryRun: true });
    expect(dry.metadata?.namespace).toBe(namespace);
    expect(await kube.get(ref)).toBeUndefined();

    const applied = await kube.apply(configMap(name, { tier: 'web' }));
    expect(applied.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: App.kind,
      name: 'owner',
      uid: owner.metadata?.uid,
      controller: true,
    });
    expect(applied.metadata?.managedFields?.map((m) => m.manager)).toContain('staircase-client-test');
    await kube.apply(configMap(uniqueName('other'), { tier: 'db' }), { owned: false });

    const read = await kube.get<V1ConfigMap>(ref);
    expect(read?.data).toEqual({ greeting: 'hello' });
    // As client-node's object API gives a built-in kind: its typed model, timestamps as Dates.
    expect(read?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const listed = await kube.list<V1ConfigMap>('v1', 'ConfigMap', { labelSelector: 'tier=web' });
    expect(listed.map((c) => c.metadata?.name)).toEqual([name]);
    expect(listed[0]?.metadata?.creationTimestamp).toBeInstanceOf(Date);

    expect(await kube.delete(ref)).toBe(true);
    expect(await kube.delete(ref)).toBe(false);
    expect(await kube.get(ref)).toBeUndefined();
  });

  it('gives objects as client-node’s object API does: typed models for built-in kinds, V1ObjectMeta for the rest', async () => {
    const namespace = await createTestNamespace('client');
    const kube = stepClient(await leanAdmin(), namespace);
    const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
    const app = {
      apiVersion: `${App.group}/${App.version}`,
      kind: App.kind,
      metadata: { name: uniqueName('app') },
    };
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: uniqueName('event') },
      involvedObject: { kind: 'ConfigMap', name: 'any', namespace },
      reason: 'Tested',
    };
    for (const object of [configMap(uniqueName('cm')), event, { ...app, spec: { motto: 'm' } }]) {
      const applied = await kube.apply(object, { owned: false });
      const ref = { ...objectRefOf(object), namespace };
      const theirs = await objects.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace },
      });
      expect(applied, ref.kind).toEqual(theirs);
      expect(await kube.get(ref), ref.kind).toEqual(theirs);
      expect(theirs.metadata?.creationTimestamp, ref.kind).toBeInstanceOf(Date);
    }
    const mine = await kube.list(app.apiVersion, app.kind);
    const theirs = await objects.list(app.apiVersion, app.kind, namespace);
    expect(mine).toEqual(theirs.items);
  });

  it('names what it cannot find: a kind not served, a group version not served, a namespace to lend', async () => {
    const kube = stepClient(await leanAdmin(), undefined);
    const unknownKind = kube.get({ apiVersion: 'v1', kind: 'Gizmo', name: 'g', namespace: 'default' });
    await expect(unknownKind).rejects.toThrow(KubeInvalidError);
    await expect(unknownKind).rejects.toThrow(/Gizmo v1: no such kind is served/);
    const unknownGroup = kube.get({ apiVersion: 'nowhere.example/v1', kind: 'Gizmo', name: 'g' });
    await expect(unknownGroup).rejects.toThrow(KubeNotFoundError);
    const noNamespace = kube.apply(configMap('lonely'));
    await expect(noNamespace).rejects.toThrow(KubeInvalidError);
    await expect(noNamespace).rejects.toThrow(/ConfigMap is namespaced: name its namespace/);
  });

  it('sends nothing once its signal fired', async () => {
    const namespace = await createTestNamespace('client');
    const cancelled = new AbortController();
    cancelled.abort(new Error('attempt timed out'));
    const kube = stepClient(await leanAdmin(), namespace, { signal: cancelled.signal });
    const name = uniqueName('cm');
    await expect(kube.apply(configMap(name))).rejects.toThrow(KubeAbortedError);
    await expect(kube.apply(configMap(name))).rejects.toThrow(/attempt timed out/);
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await expect(core.readNamespacedConfigMap({ name, namespace })).rejects.toMatchObject({ code: 404 });
  });

  it('gives client-node’s KubeConfig for the worker’s identity on demand, the same one each time', async () => {
    const endpoint = await leanAdmin();
    expect(isClientNodeConfig(endpoint)).toBe(false);
    const namespace = await createTestNamespace('client');
    const kube = stepClient(endpoint, namespace);
    expect(endpointOf(kube)).toBe(endpoint);
    const config = kube.config;
    expect(isClientNodeConfig(config)).toBe(true);
    expect(kube.config).toBe(config);
    const names = await config.makeApiClient(CoreV1Api).listNamespace();
    expect(names.items.map((n) => n.metadata?.name)).toContain(namespace);
  });
});
