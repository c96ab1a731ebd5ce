import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { startTemporalDevServer } from '../../src/devenv/temporal-dev-server.js';
import { Watchdog } from '../../src/devenv/watchdog.js';
import { Stack, stackOperator } from '../engine/fixtures/test-operator.js';
import { installCrd } from '../support/crd.js';
import { createResource, installKind, patchSpec, startEngine } from '../support/engine.js';
import { createTestNamespace, startPrivateControlPlane } from '../support/kube.js';
import { metricValue, startTestWatcher } from '../support/watcher.js';

const converged =
  (generation: number) => (d: { lastRun?: { outcome: { kind: string }; generation: number } }) =>
    d.lastRun?.outcome.kind === 'converged' && d.lastRun.generation === generation;

async function workDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `staircase-${prefix}-`));
}

describe('the watcher under failures', () => {
  it('loses no change while Temporal is down: changes made meanwhile arrive once it is back', async () => {
    await installKind(Stack);
    const namespace = await createTestNamespace();
    const watchdog = Watchdog.start();
    const dir = await workDir('temporal-restart');
    const serverOptions = {
      binary: inject('binaries').temporal as string,
      workDir: dir,
      watchdog,
      dbFile: join(dir, 'temporal.db'),
    };
    let temporal = await startTemporalDevServer(serverOptions);
    onTestFinished(async () => {
      await temporal.stop();
      watchdog.close();
    });
    const operator = stackOperator();
    const engine = await startEngine(operator, { temporalAddress: temporal.address });
    const watcher = await startTestWatcher(operator, engine, namespace, {
      retryInitialMs: 200,
      retryMaxMs: 1_000,
    });
    const first = await createResource(Stack, namespace, 'before', { items: ['a'] });
    await engine.waitFor(first, converged(1));

    await temporal.stop();
    await patchSpec(first, { items: ['a', 'b'] });
    const second = await createResource(Stack, namespace, 'during', { items: ['c'] });
    await expect
      .poll(
        async () =>
          metricValue(
            await (await fetch(`http://127.0.0.1:${watcher.port}/metrics`)).text(),
            'staircase_watcher_signals_failed_total',
          ),
        // Each delivery attempt ends only at the sender's 10 s deadline (Temporal's client retries an unreachable
        // server until then): the first failure counts 10 s after the change at best, later on a loaded machine.
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);

    temporal = await startTemporalDevServer({ ...serverOptions, port: temporal.port });
    await engine.waitFor(first, converged(2), 60_000);
    await engine.waitFor(second, converged(1), 60_000);
  });

  it('recovers its watch when kube-apiserver restarts, and sees later changes', async () => {
    const { plane: kubePlane, kube } = await startPrivateControlPlane('apiserver-restart');
    await installCrd(Stack.crd(), kube);
    const namespace = 'default';
    const operator = stackOperator();
    const engine = await startEngine(operator, { kube });
    const watcher = await startTestWatcher(
      operator,
      engine,
      namespace,
      { silentWatchTimeoutMs: 5_000 },
      kube,
    );
    const custom = kube.makeApiClient(CustomObjectsApi);
    const create = (name: string) =>
      custom.createNamespacedCustomObject({
        group: Stack.group,
        version: Stack.version,
        plural: Stack.plural,
        namespace,
        body: { apiVersion: Stack.apiVersion, kind: Stack.kind, metadata: { name }, spec: {} },
      });
    await create('early');
    await engine.waitFor(Stack.ref('early', namespace), converged(1));

    await kubePlane.restartApiserver();
    await create('late');
    await engine.waitFor(Stack.ref('late', namespace), converged(1), 60_000);
    const metrics = await (await fetch(`http://127.0.0.1:${watcher.port}/metrics`)).text();
    console.log(
      `[resilience] watch restarts after the apiserver restart: ${metrics
        .split('\n')
        .filter((l) => l.startsWith('staircase_watcher_watch_restarts_total{'))
        .join(', ')}`,
    );
  });
});
