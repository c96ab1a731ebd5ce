import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { Stack } from '../engine/fixtures/test-operator.js';
import { createResource, installKind, startEngine } from '../support/engine.js';
import { createTestNamespace, uniqueName } from '../support/kube.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { metricValue } from '../support/watcher.js';
import operator from './fixtures/operator.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const operatorModule = fileURLToPath(new URL('./fixtures/operator.ts', import.meta.url));
const LEASE_MS = 3_000;

interface WatcherProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
}

async function startWatcherProcess(
  namespace: string,
  taskQueue: string,
  lease: string,
): Promise<WatcherProcess> {
  const args = [
    ...[
      '--import',
      'tsx',
      main,
      'watcher',
      '--operator',
      operatorModule,
      '--namespaces',
      namespace,
      '--task-queue',
      taskQueue,
    ],
    ...['--temporal-address', inject('temporalAddress'), '--kubeconfig', inject('kube').adminKubeconfigPath],
    ...['--lease-namespace', namespace, '--lease-duration-ms', String(LEASE_MS), '--lease-retry-ms', '300'],
    ...['--health-port', '0', '--identity', lease],
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { level: string; message: string; port?: number };
      if (entry.message === 'watcher started' && entry.port) resolve({ child, port: entry.port, exited });
      // Keep reading so the pipe never fills; show what went wrong.
      if (entry.level !== 'info') console.log(`[watcher ${lease}] ${line}`);
    });
    lines.on('close', () => reject(new Error('the watcher process exited before it started')));
  });
}

async function metrics(watcher: WatcherProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${watcher.port}/metrics`)).text();
}

async function leaderOf(watchers: readonly WatcherProcess[]): Promise<WatcherProcess[]> {
  const flags = await Promise.all(
    watchers.map(async (w) => metricValue(await metrics(w), 'staircase_watcher_leader')),
  );
  return watchers.filter((_, i) => flags[i] === 1);
}

describe('two watcher processes', () => {
  beforeAll(() => installKind(Stack));

  it('signal from one leader only; when it is SIGKILLed the standby takes over within the lease duration', async () => {
    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('ha');
    const engine = await startEngine(operator, { taskQueue });
    const watchers = [
      await startWatcherProcess(namespace, taskQueue, uniqueName('one')),
      await startWatcherProcess(namespace, taskQueue, uniqueName('two')),
    ];
    const [leader] = await vi.waitFor(
      async () => {
        const leaders = await leaderOf(watchers);
        expect(leaders).toHaveLength(1);
        return leaders;
      },
      { timeout: 15_000, interval: 200 },
    );
    const standby = watchers.find((w) => w !== leader) as WatcherProcess;

    const first = await createResource(Stack, namespace, 'first', { items: ['x'] });
    await engine.waitFor(first, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(
      metricValue(await metrics(leader as WatcherProcess), 'staircase_watcher_signals_sent_total'),
    ).toBeGreaterThan(0);
    expect(metricValue(await metrics(standby), 'staircase_watcher_signals_sent_total')).toBe(0);

    leader?.child.kill('SIGKILL');
    const killedAt = Date.now();
    await vi.waitFor(async () => expect(await leaderOf([standby])).toHaveLength(1), {
      timeout: 15_000,
      interval: 100,
    });
    const takeover = Date.now() - killedAt;
    console.log(
      `[leader election] standby took over ${takeover} ms after the leader was killed (lease ${LEASE_MS} ms)`,
    );
    expect(takeover).toBeLessThan(LEASE_MS + 1_500);

    const second = await createResource(Stack, namespace, 'second', { items: ['y'] });
    await engine.waitFor(second, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(metricValue(await metrics(standby), 'staircase_watcher_signals_sent_total')).toBeGreaterThan(0);
  });

  it('on SIGTERM, flushes, releases the lease and exits 0', async () => {
    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('term');
    await startEngine(operator, { taskQueue });
    const watcher = await startWatcherProcess(namespace, taskQueue, uniqueName('term'));
    await vi.waitFor(async () => expect(await leaderOf([watcher])).toHaveLength(1), {
      timeout: 15_000,
      interval: 200,
    });
    watcher.child.kill('SIGTERM');
    expect(await watcher.exited).toBe(0);
    const successor = await startWatcherProcess(namespace, taskQueue, uniqueName('next'));
    const started = Date.now();
    await vi.waitFor(async () => expect(await leaderOf([successor])).toHaveLength(1), {
      timeout: 15_000,
      interval: 100,
    });
    // A released lease is taken at once, not after the lease duration.
    expect(Date.now() - started).toBeLessThan(LEASE_MS);
  });
});
