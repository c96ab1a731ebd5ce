import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { signalChange } from '../../src/client/reconcile-client.js';
import { freePort } from '../../src/devenv/ports.js';
import { startTemporalDevServer } from '../../src/devenv/temporal-dev-server.js';
import { Watchdog } from '../../src/devenv/watchdog.js';
import { resolveOptions } from '../../src/operator/operator.js';
import { Stack, stackOperator } from '../engine/fixtures/test-operator.js';
import { createResource, installKind, waitForDescription } from '../support/engine.js';
import { createTestNamespace } from '../support/kube.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const operatorModule = fileURLToPath(new URL('../watcher/fixtures/operator.ts', import.meta.url));

const readyz = async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status ?? 0;

/** Starts `staircase worker ARGS` as a subprocess (killed when the test finishes), collecting its stderr. */
function spawnWorker(args: readonly string[]) {
  const worker = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const output = { stderr: '' };
  worker.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve));
  onTestFinished(() => {
    worker.kill('SIGKILL');
  });
  return { worker, output, exited };
}

describe('staircase worker started before Temporal', () => {
  it('waits, not ready, one line per attempt; once Temporal is up it becomes ready and reconciles', async () => {
    await installKind(Stack);
    const temporalPort = await freePort();
    const healthPort = await freePort();
    const taskQueue = uniqueTaskQueue('waiting');
    const args = ['worker', '--operator', operatorModule, '--task-queue', taskQueue];
    args.push('--temporal-address', `127.0.0.1:${temporalPort}`, '--health-port', String(healthPort));
    args.push('--kubeconfig', inject('kube').adminKubeconfigPath);
    const { worker, output, exited } = spawnWorker(args);

    await vi.waitFor(() => expect(output.stderr).toMatch(/trying again in/), {
      timeout: 30_000,
      interval: 200,
    });
    expect(await readyz(healthPort)).toBe(503);
    expect(output.stderr).toContain(`cannot reach Temporal at 127.0.0.1:${temporalPort}`);
    expect(worker.exitCode).toBeNull();

    const watchdog = Watchdog.start();
    const temporal = await startTemporalDevServer({
      binary: inject('binaries').temporal as string,
      workDir: await mkdtemp(join(tmpdir(), 'staircase-late-temporal-')),
      watchdog,
      port: temporalPort,
    });
    onTestFinished(async () => {
      await temporal.stop();
      watchdog.close();
    });
    await vi.waitFor(async () => expect(await readyz(healthPort)).toBe(200), {
      timeout: 30_000,
      interval: 200,
    });

    const connection = await Connection.connect({ address: temporal.address });
    onTestFinished(() => connection.close());
    const client = new Client({ connection });
    const namespace = await createTestNamespace();
    const ref = await createResource(Stack, namespace, 'late', { items: ['a'] });
    await signalChange(client, ref, { taskQueue, config: resolveOptions(stackOperator()).loop }, 'test');
    await waitForDescription(client, ref, (d) => d.lastRun?.outcome.kind === 'converged', 60_000);

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);

  it('exits 0 when stopped while still waiting', async () => {
    const args = [
      'worker',
      '--operator',
      operatorModule,
      '--temporal-address',
      `127.0.0.1:${await freePort()}`,
    ];
    args.push('--kubeconfig', inject('kube').adminKubeconfigPath);
    const { worker, output, exited } = spawnWorker(args);
    await vi.waitFor(() => expect(output.stderr).toMatch(/trying again in/), {
      timeout: 30_000,
      interval: 200,
    });
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.stderr).toContain('stopped before Temporal was reachable');
  }, 60_000);
});
