import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, inject, it, vi } from 'vitest';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';

const isReady = (pod: V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

describe('the full control-plane profile', () => {
  it('runs a Deployment as a ReplicaSet with Pods that become Ready on the kwok node, and garbage-collects them on delete', async () => {
    const namespace = await createTestNamespace();
    const kubeConfig = adminKubeConfig();
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });

    const pods = await vi.waitFor(
      async () => {
        const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
        if (list.items.length !== 2 || !list.items.every(isReady)) throw new Error('pods not Ready yet');
        return list.items;
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(pods.map((p) => p.spec?.nodeName)).toEqual([inject('kube').nodeName, inject('kube').nodeName]);
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace });
    expect(replicaSets.items).toHaveLength(1);
    expect(pods[0]?.metadata?.ownerReferences?.[0]?.name).toBe(replicaSets.items[0]?.metadata?.name);
    await vi.waitFor(
      async () =>
        expect(
          (await apps.readNamespacedDeployment({ namespace, name: 'web' })).status?.availableReplicas,
        ).toBe(2),
      { timeout: 30_000, interval: 250 },
    );

    await apps.deleteNamespacedDeployment({ namespace, name: 'web' });
    await vi.waitFor(
      async () => {
        const [rs, left] = await Promise.all([
          apps.listNamespacedReplicaSet({ namespace }),
          core.listNamespacedPod({ namespace }),
        ]);
        expect(rs.items).toHaveLength(0);
        expect(left.items).toHaveLength(0);
      },
      { timeout: 60_000, interval: 250 },
    );
  });
});
