import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { LeaderElector } from '../../src/watcher/leader-election.js';
import { adminKubeConfig, createTestNamespace, uniqueName } from '../support/kube.js';

/**
 * A loopback TCP relay to the API server that can be frozen: it then holds every connection open and passes no
 * byte either way, as a half-open connection or a hung proxy does.
 */
async function freezableRelay(target: URL): Promise<{ port: number; freeze(): void }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    if (frozen) return;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    client.pipe(upstream).on('error', () => {});
    upstream.pipe(client).on('error', () => {});
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return {
    port: (server.address() as { port: number }).port,
    freeze() {
      frozen = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
  };
}

/** The admin kubeconfig, with the API server reached through `port`. */
function throughPort(port: number): KubeConfig {
  const admin = adminKubeConfig();
  const kube = new KubeConfig();
  kube.loadFromOptions({
    clusters: admin.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${port}` })),
    users: admin.users,
    contexts: admin.contexts,
    currentContext: admin.currentContext,
  });
  return kube;
}

describe('leader election', () => {
  it('steps down when its renewal hangs, within two thirds of the lease duration', async () => {
    const namespace = await createTestNamespace('lease');
    const relay = await freezableRelay(new URL(adminKubeConfig().getCurrentCluster()?.server ?? ''));
    const stopped: number[] = [];
    const elector = new LeaderElector({
      kube: throughPort(relay.port),
      namespace,
      leaseName: uniqueName('hang'),
      identity: 'hanging-leader',
      leaseDurationMs: 3_000,
      retryPeriodMs: 300,
      log: { info() {}, warn() {}, error() {} },
      onStartedLeading() {},
      onStoppedLeading: () => stopped.push(Date.now()),
    });
    elector.start();
    onTestFinished(() => elector.stop());
    await vi.waitFor(() => expect(elector.isLeader).toBe(true), { timeout: 10_000 });

    const frozenAt = Date.now();
    relay.freeze();
    await vi.waitFor(() => expect(elector.isLeader).toBe(false), { timeout: 10_000, interval: 50 });
    // It must stop leading before a standby may take over (the lease duration).
    expect((stopped[0] ?? Number.POSITIVE_INFINITY) - frozenAt).toBeLessThan(3_000);
  });
});
