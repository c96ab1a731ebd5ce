import { connect, createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { onTestFinished } from 'vitest';
import { adminKubeConfig } from './kube.js';

/** A loopback TCP relay to the test API server that can be frozen and thawed. */
export interface Relay {
  /** The admin kubeconfig, reaching the API server through the relay. */
  readonly kube: KubeConfig;
  /** Holds every connection open and passes no byte either way, as a half-open connection or a hung proxy does. */
  freeze(): void;
  /** Drops the frozen connections (clients see them fail) and relays new ones again. */
  thaw(): void;
  /** How many connections clients have opened through the relay so far. */
  connections(): number;
}

/** Starts a relay to the test run's API server; closed when the test finishes. */
export async function startRelay(): Promise<Relay> {
  const admin = adminKubeConfig();
  const target = new URL(admin.getCurrentCluster()?.server ?? '');
  let frozen = false;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (frozen) return;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
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
  return {
    kube,
    connections: () => connections,
    freeze() {
      frozen = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.destroy();
    },
  };
}
