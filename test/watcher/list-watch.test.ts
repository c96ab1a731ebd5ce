import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { closeKubeRequestAgents, kubeRequest } from '../../src/runtime/kube-http.js';
import { ListWatch } from '../../src/watcher/list-watch.js';
import { adminKubeConfig, createTestNamespace, startPrivateControlPlane } from '../support/kube.js';

/** etcd's v3 JSON gateway: its current revision, then a compaction up to it (older revisions are gone). */
async function compactEtcd(etcdUrl: string): Promise<void> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { header?: { revision?: string } };
  };
  const revision = (await post('/v3/kv/range', { key: btoa('/registry') })).header?.revision;
  if (!revision) throw new Error('etcd /v3/kv/range: no revision in its answer');
  await post('/v3/kv/compaction', { revision, physical: true });
}

describe('ListWatch: list, then watch, without client-node', () => {
  it('lists objects with their kind, follows changes, and resumes when the server ends a watch', async () => {
    const namespace = await createTestNamespace('lw');
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'first' } } });
    const events: string[] = [];
    const errors: unknown[] = [];
    let alive = 0;
    const kube = adminKubeConfig();
    onTestFinished(() => closeKubeRequestAgents(kube));
    const watch = new ListWatch(
      kube,
      { path: `/api/v1/namespaces/${namespace}/configmaps`, maxWatchSeconds: 2 },
      {
        onEvent: (type, object) => events.push(`${type} ${object.kind} ${object.metadata?.name}`),
        onAlive: () => {
          alive += 1;
        },
        onError: (error) => errors.push(error),
      },
    );
    onTestFinished(() => watch.stop());
    await watch.start();
    // The API server leaves apiVersion and kind out of list items; ListWatch puts them back.
    expect(events).toContain('ADDED ConfigMap first');
    expect(watch.list().map((object) => object.apiVersion)).toContain('v1');

    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'second' } } });
    await vi.waitFor(() => expect(events).toContain('ADDED ConfigMap second'));
    // Watches end after 1–2 s here: a change after a few of them still arrives, and nothing failed.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(alive).toBeGreaterThanOrEqual(3);
    await kubeRequest(kube, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${namespace}/configmaps/first`,
      body: { data: { a: '1' } },
      contentType: 'application/merge-patch+json',
    });
    await core.deleteNamespacedConfigMap({ namespace, name: 'second' });
    await vi.waitFor(() =>
      expect(events).toEqual(
        expect.arrayContaining(['MODIFIED ConfigMap first', 'DELETED ConfigMap second']),
      ),
    );
    expect(
      watch
        .list()
        .map((object) => object.metadata?.name)
        .sort(),
    ).toEqual(['first', 'kube-root-ca.crt']);
    expect(errors).toEqual([]);

    watch.stop();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'third' } } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(events.join()).not.toContain('third');
  });

  it('lists again when its resourceVersion is compacted away (410 Gone), and keeps watching', async () => {
    // Without kube-apiserver's watch cache a watch reads etcd from its resourceVersion on, so compacting etcd past
    // it makes the next resumed watch fail with 410, as an API server does after a long disconnection.
    const { plane, kube } = await startPrivateControlPlane('lw-gone', ['--watch-cache=false']);
    onTestFinished(() => closeKubeRequestAgents(kube));
    const core = kube.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
    const events: string[] = [];
    const errors: unknown[] = [];
    const watch = new ListWatch(
      kube,
      { path: '/api/v1/namespaces/default/configmaps', maxWatchSeconds: 2 },
      {
        onEvent: (type, object) => events.push(`${type} ${object.metadata?.name}`),
        onAlive: () => {},
        onError: (error) => errors.push(error),
      },
    );
    onTestFinished(() => watch.stop());
    await watch.start();
    expect(events).toEqual(['ADDED before']);

    // Writes the watch does not see move etcd's revision past the watch's resourceVersion; then compact.
    for (const name of ['elsewhere-1', 'elsewhere-2'])
      await core.createNamespacedConfigMap({ namespace: 'kube-system', body: { metadata: { name } } });
    await compactEtcd(plane.etcdUrl);
    // Only a list reports an object ADDED twice: the watch resumed within 2 s, got 410 and listed again.
    await vi.waitFor(() => expect(events).toEqual(['ADDED before', 'ADDED before']), { timeout: 15_000 });

    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after' } } });
    await vi.waitFor(() => expect(events).toContain('ADDED after'), { timeout: 15_000 });
    expect(watch.list().map((object) => object.metadata?.name)).toEqual(['before', 'after']);
    expect(errors).toEqual([]);
  }, 120_000);

  it('keeps managedFields entries without their field sets, listed and watched', async () => {
    const namespace = await createTestNamespace('lw-fields');
    const kube = adminKubeConfig();
    onTestFinished(() => closeKubeRequestAgents(kube));
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    const apply = (name: string, manager: string) =>
      kubeRequest(kube, {
        method: 'PATCH',
        path: `${path}/${name}`,
        query: { fieldManager: manager },
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { by: manager } },
        contentType: 'application/apply-patch+yaml',
      });
    const applied = (await apply('listed', 'lister')) as KubernetesObject;
    // The API server keeps each manager's field set: what the watcher leaves out.
    expect(applied.metadata?.managedFields?.[0]?.fieldsV1).toBeDefined();
    const seen = new Map<string, KubernetesObject>();
    const watch = new ListWatch(
      kube,
      { path },
      {
        onEvent: (_type, object) => seen.set(object.metadata?.name ?? '', object),
        onAlive: () => {},
        onError: (error) => expect.fail(String(error)),
      },
    );
    onTestFinished(() => watch.stop());
    await watch.start();
    await apply('watched', 'watcher-test');
    await vi.waitFor(() => expect(seen.has('watched')).toBe(true));
    const entries = (name: string) =>
      (seen.get(name)?.metadata?.managedFields ?? []).map(({ manager, operation, time, fieldsV1 }) => ({
        manager,
        operation,
        timed: time !== undefined,
        fieldsV1,
      }));
    for (const [name, manager] of [
      ['listed', 'lister'],
      ['watched', 'watcher-test'],
    ] as const)
      expect(entries(name)).toEqual([{ manager, operation: 'Apply', timed: true, fieldsV1: undefined }]);
    expect(
      watch
        .list()
        .flatMap((o) => o.metadata?.managedFields ?? [])
        .some((e) => e.fieldsV1),
    ).toBe(false);
  });

  it('reports a refused list through onError, once, naming the status', async () => {
    const errors: unknown[] = [];
    const kube = adminKubeConfig();
    onTestFinished(() => closeKubeRequestAgents(kube));
    const watch = new ListWatch(
      kube,
      { path: '/apis/nowhere.example.com/v1/things' },
      { onEvent: () => {}, onAlive: () => {}, onError: (error) => errors.push(error) },
    );
    await watch.start();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('HTTP-Code: 404');
  });
});
