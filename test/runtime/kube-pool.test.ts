import { connect, createServer, type Socket } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  closePooledConnections,
  poolConnections,
  pooledDispatcherCount,
} from '../../src/runtime/kube-pool.js';
import { adminKubeConfig } from '../support/kube.js';

/** The admin kubeconfig through a loopback TCP relay that counts the connections clients open. */
async function countingRelay(): Promise<{ kube: KubeConfig; connections: () => number }> {
  const admin = adminKubeConfig();
  const target = new URL(admin.getCurrentCluster()?.server ?? '');
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections += 1;
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const kube = new KubeConfig();
  kube.loadFromOptions({
    clusters: admin.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${port}` })),
    users: admin.users,
    contexts: admin.contexts,
    currentContext: admin.currentContext,
  });
  return { kube, connections: () => connections };
}

async function listNamespacesFiveTimes(kube: KubeConfig): Promise<void> {
  const core = kube.makeApiClient(CoreV1Api);
  for (let i = 0; i < 5; i++) await core.listNamespace({ limit: 1 });
}

describe('poolConnections', () => {
  it('sends one client’s calls, one after the other, over one connection', async () => {
    const relay = await countingRelay();
    const kube = poolConnections(relay.kube);
    onTestFinished(() => closePooledConnections(kube));
    await listNamespacesFiveTimes(kube);
    // A second client made from the same kubeconfig shares the pool.
    await kube.makeApiClient(CoreV1Api).listNamespace({ limit: 1 });
    expect(relay.connections()).toBe(1);
    expect(pooledDispatcherCount(kube)).toBe(1);
  });

  it('is needed: client-node 2.0.1 alone opens a connection per call (drop the pool once this fails)', async () => {
    const relay = await countingRelay();
    await listNamespacesFiveTimes(relay.kube);
    expect(relay.connections()).toBe(5);
  });

  it('is harmless to apply twice', () => {
    const kube = adminKubeConfig();
    expect(poolConnections(poolConnections(kube))).toBe(kube);
  });
});
