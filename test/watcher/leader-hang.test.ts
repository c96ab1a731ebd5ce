import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { LeaderElector } from '../../src/watcher/leader-election.js';
import { createTestNamespace, uniqueName } from '../support/kube.js';
import { startRelay } from '../support/relay.js';

describe('leader election', () => {
  it('steps down when its renewal hangs, within two thirds of the lease duration', async () => {
    const namespace = await createTestNamespace('lease');
    const relay = await startRelay();
    const stopped: number[] = [];
    const elector = new LeaderElector({
      kube: relay.kube,
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
