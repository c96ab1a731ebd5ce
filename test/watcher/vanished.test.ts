import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { SupervisedInformer } from '../../src/watcher/supervised-informer.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { startRelay } from '../support/relay.js';

describe('a supervised informer', () => {
  it('reports as DELETED an object deleted while its watch was down, once it has listed again', async () => {
    const namespace = await createTestNamespace('vanish');
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'kept' } } });
    const relay = await startRelay();
    const events: string[] = [];
    const informer = new SupervisedInformer(
      relay.kube,
      {
        name: 'ConfigMap',
        path: `/api/v1/namespaces/${namespace}/configmaps`,
        onEvent: (type, object: KubernetesObject) => events.push(`${type} ${object.metadata?.name}`),
      },
      { silentTimeoutMs: 1_000, relistIntervalMs: 600_000, restartInitialMs: 100, restartMaxMs: 500 },
      { log: { info() {}, warn() {}, error() {} }, onRestart() {} },
    );
    onTestFinished(() => informer.stop());
    await informer.start();
    await vi.waitFor(() => expect(events).toEqual(expect.arrayContaining(['ADDED doomed', 'ADDED kept'])));

    relay.freeze();
    await core.deleteNamespacedConfigMap({ namespace, name: 'doomed' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(events).not.toContain('DELETED doomed');
    relay.thaw();

    await vi.waitFor(() => expect(events).toContain('DELETED doomed'), { timeout: 20_000, interval: 100 });
    expect(events).not.toContain('DELETED kept');
  });
});
