/**
 * The processes of each system under test, started with the project's own process helper (own process group, log
 * file, killed with the bench): Staircase as the production `staircase worker` and `staircase watcher` from
 * compiled JavaScript, the baseline controller and the raw-write floor as processes of their own.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type ManagedProcess, startProcess, type Watchdog } from '../src/devenv/index.js';
import { freePort } from '../src/devenv/ports.js';
import { waitFor } from '../src/devenv/wait.js';
import type { Release } from './build.js';
import type { Watched } from './proc.js';

const BASELINE = fileURLToPath(new URL('baseline/controller.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the systems find the servers and write their logs. */
export interface SystemContext {
  readonly watchdog: Watchdog;
  readonly logDir: string;
  readonly kubeconfig: string;
  readonly temporalAddress: string;
  readonly temporalNamespace: string;
  /** The compiled package the production processes run from. */
  readonly release: Release;
}

/** Started processes of one system. */
export interface RunningSystem {
  readonly processes: readonly Watched[];
  stop(): Promise<void>;
}

/** The environment of a compiled production process: without the bench's source condition in NODE_OPTIONS. */
function productionEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, ...env } = process.env;
  return { ...env, ...extra };
}

/**
 * The Node flags the watcher is deployed with (`deploy/kubernetes/base/watcher.yaml`: its container's `command`,
 * between `node` and the script), so the bench measures the watcher as it runs in production.
 */
async function deployedWatcherNodeFlags(): Promise<string[]> {
  const manifest = parse(await readFile(join(ROOT, 'deploy/kubernetes/base/watcher.yaml'), 'utf8'));
  const containers: { name: string; command?: string[] }[] = manifest.spec.template.spec.containers;
  const command = containers.find((container) => container.name === 'watcher')?.command ?? [];
  return command.slice(1, -1);
}

async function httpOk(url: string): Promise<true | undefined> {
  const response = await fetch(url).catch(() => undefined);
  return response?.status === 200 ? true : undefined;
}

function failedStart(process: ManagedProcess) {
  return () => {
    const error = process.exitError();
    return error ? new Error(`${error.message}; see ${process.logFile}`) : undefined;
  };
}

/**
 * `staircase worker` and `staircase watcher` (compiled, `node dist/cli/main.js`) for the greeting operator (or the
 * operator module `operator`) on a task queue and namespace of their own; resolves once both answer /readyz.
 */
export async function startStaircase(
  context: SystemContext,
  label: string,
  namespace: string,
  metricsPort: number,
  operator = context.release.operator,
): Promise<RunningSystem> {
  const taskQueue = `bench-${label}`;
  const { cli, workflowBundle } = context.release;
  const common = ['--operator', operator, '--kubeconfig', context.kubeconfig, '--task-queue', taskQueue];
  common.push('--temporal-address', context.temporalAddress);
  common.push('--temporal-namespace', context.temporalNamespace);
  const env = productionEnv({ STAIRCASE_WORKFLOW_BUNDLE: workflowBundle });
  const workerHealth = await freePort();
  const worker = startProcess({
    name: 'worker',
    command: process.execPath,
    args: [cli, 'worker', ...common, '--health-port', String(workerHealth)],
    env: { ...env, STAIRCASE_METRICS_PORT: String(metricsPort) },
    logFile: join(context.logDir, `worker-${label}.log`),
    watchdog: context.watchdog,
  });
  const watcherHealth = await freePort();
  const watcher = startProcess({
    name: 'watcher',
    command: process.execPath,
    args: [
      ...(await deployedWatcherNodeFlags()),
      cli,
      'watcher',
      ...common,
      '--namespaces',
      namespace,
      '--no-leader-election',
      '--health-port',
      String(watcherHealth),
    ],
    env,
    logFile: join(context.logDir, `watcher-${label}.log`),
    watchdog: context.watchdog,
  });
  const stop = async () => {
    await Promise.all([watcher.stop(), worker.stop()]);
  };
  try {
    await waitFor(() => httpOk(`http://127.0.0.1:${workerHealth}/readyz`), {
      what: 'staircase worker /readyz',
      timeoutMs: 120_000,
      intervalMs: 200,
      abortIf: failedStart(worker),
    });
    await waitFor(() => httpOk(`http://127.0.0.1:${watcherHealth}/readyz`), {
      what: 'staircase watcher /readyz',
      timeoutMs: 120_000,
      intervalMs: 200,
      abortIf: failedStart(watcher),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    processes: [
      { name: 'worker', pid: worker.pid },
      { name: 'watcher', pid: watcher.pid },
    ],
    stop,
  };
}

async function logSays(process: ManagedProcess, line: string): Promise<true | undefined> {
  const text = await readFile(process.logFile, 'utf8').catch(() => '');
  return text.split('\n').includes(line) ? true : undefined;
}

function startBaselineProcess(context: SystemContext, mode: 'controller' | 'floor', args: string[]) {
  const { NODE_OPTIONS: _options, ...env } = process.env;
  return startProcess({
    name: mode,
    command: process.execPath,
    args: ['--import', 'tsx', BASELINE, mode, context.kubeconfig, ...args],
    env,
    logFile: join(context.logDir, `${mode}-${args.join('-')}.log`),
    watchdog: context.watchdog,
  });
}

/** The in-process controller (informer + work queue, `workers` workers) on `namespace`, once its caches synced. */
export async function startBaselineController(
  context: SystemContext,
  namespace: string,
  workers: number,
): Promise<RunningSystem> {
  const controller = startBaselineProcess(context, 'controller', [namespace, String(workers)]);
  await waitFor(() => logSays(controller, 'ready'), {
    what: 'the baseline controller',
    timeoutMs: 60_000,
    abortIf: failedStart(controller),
  });
  return { processes: [{ name: 'controller', pid: controller.pid }], stop: () => controller.stop() };
}

/** The raw-write floor, started and ready; `run()` makes the writes for `count` Greetings and resolves when done. */
export async function startFloor(
  context: SystemContext,
  namespace: string,
  count: number,
): Promise<RunningSystem & { run(): Promise<void> }> {
  const floor = startBaselineProcess(context, 'floor', [namespace, String(count)]);
  const options = { timeoutMs: 60_000, abortIf: failedStart(floor) };
  await waitFor(() => logSays(floor, 'ready'), { ...options, what: 'the floor writer' });
  return {
    processes: [{ name: 'floor', pid: floor.pid }],
    stop: () => floor.stop(),
    run: async () => {
      process.kill(floor.pid, 'SIGUSR1');
      await waitFor(() => logSays(floor, 'done'), {
        ...options,

        what: 'the floor writes',
        timeoutMs: 3_600_000,
        intervalMs: 20,
      });
    },
  };
}
