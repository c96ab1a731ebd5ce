import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  closePooledConnections,
  poolConnections,
  pooledDispatcherCount,
} from '../../src/runtime/kube-pool.js';
import { adminKubeConfig } from '../support/kube.js';
import { startRelay } from '../support/relay.js';

async function listNamespacesFiveTimes(kube: KubeConfig): Promise<void> {
  const core = kube.makeApiClient(CoreV1Api);
  for (let i = 0; i < 5; i++) await core.listNamespace({ limit: 1 });
}

describe('poolConnections', () => {
  it('sends one client’s calls, one after the other, over one connection', async () => {
    const relay = await startRelay();
    const kube = poolConnections(relay.kube);
    onTestFinished(() => closePooledConnections(kube));
    await listNamespacesFiveTimes(kube);
    // A second client made from the same kubeconfig shares the pool.
    await kube.makeApiClient(CoreV1Api).listNamespace({ limit: 1 });
    expect(relay.connections()).toBe(1);
    expect(pooledDispatcherCount(kube)).toBe(1);
  });

  it('is needed: client-node 2.0.1 alone opens a connection per call (drop the pool once this fails)', async () => {
    const relay = await startRelay();
    await listNamespacesFiveTimes(relay.kube);
    expect(relay.connections()).toBe(5);
  });

  it('is harmless to apply twice', () => {
    const kube = adminKubeConfig();
    expect(poolConnections(poolConnections(kube))).toBe(kube);
  });
});
