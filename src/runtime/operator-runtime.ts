import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { LoopTarget } from '../client/reconcile-client.js';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import { checkOperatorSet } from '../operator/operator-set.js';
import type { WatcherConfig } from '../watcher/config.js';
import type { WatcherLogger } from '../watcher/logger.js';
import { temporalSignalSender } from '../watcher/temporal-sender.js';
import { type RunningWatcher, startWatcher } from '../watcher/watcher.js';
import type { EngineWorkerOptions } from '../worker/create-worker.js';
import type { EngineWorkers } from '../worker/create-workers.js';
import { isClientNodeConfig, madeKubeConfigOf } from './kube-endpoint.js';
import { closeKubeRequestAgents, type KubeEndpoint } from './kube-http.js';
import { closePooledConnections, poolConnectionsIfSupported } from './kube-pool.js';
import {
  connectClient,
  connectWorker,
  connectWorkerWhenUp,
  type TemporalSettings,
  type WaitForTemporalOptions,
} from './temporal-connection.js';

/** The worker part of a runtime: how the operators' workers are built. */
export type RuntimeWorkerOptions = Pick<
  EngineWorkerOptions<OperatorDefinition['kind']>,
  'workflowBundle' | 'tracing' | 'tuning'
> & {
  /** The workers' identity towards the API server; default the runtime's `kube`. */
  readonly kube?: KubeEndpoint;
  /** Wait for Temporal to come up instead of failing at once (production workers). */
  readonly waitForTemporal?: WaitForTemporalOptions;
};

/** Options of {@link startOperatorRuntime}. */
export interface OperatorRuntimeOptions {
  /** One or several operators: distinct names, kinds and task queues. */
  readonly operators: readonly OperatorDefinition[];
  readonly temporal: TemporalSettings;
  /**
   * The process's Kubernetes identity: client-node's `KubeConfig` (`loadKubeConfig`) or a lean one
   * (`loadKubeEndpoint`: a watcher-only process then never loads client-node).
   */
  readonly kube: KubeEndpoint;
  /** Each operator's task queue; default its own (`options.taskQueue`, else `staircase-<name>`). */
  readonly taskQueueOf?: (operator: OperatorDefinition) => string;
  /** Run the operators' workers in this process (one per operator, one shared connection); `false`: none. */
  readonly worker: RuntimeWorkerOptions | false;
  /** Run one watcher for every operator in this process; `false`: none. */
  readonly watcher: { readonly config: WatcherConfig; readonly log: WatcherLogger } | false;
  /** Also open a Temporal client when no watcher needs one (to query loops, say). */
  readonly client?: boolean;
}

/** Running workers and watcher of one process. */
export interface OperatorRuntime {
  /** Where each operator's loops run, by operator name. */
  readonly targets: ReadonlyMap<string, LoopTarget>;
  /** Present when the watcher runs or `client` was asked for. */
  readonly client: Client | undefined;
  readonly workers: EngineWorkers | undefined;
  readonly watcher: RunningWatcher | undefined;
  /** Settles when every worker has stopped (rejects with the first worker failure); never without workers. */
  readonly done: Promise<void>;
  /** Stops the watcher (flushing its signals), then the workers, and closes the connections. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root of every process that runs operators — `staircase worker`, `staircase watcher`,
 * `staircase dev` and the testing kit: connects to Temporal once, starts one worker per operator on its task queue
 * (sharing the connection and the workflow bundle) and one watcher for all of them.
 *
 * Guarantees: whatever was started is stopped again when a later part fails to start. The workers are running
 * when this resolves. Every Kubernetes client of the runtime shares keep-alive connections (`poolConnections`),
 * closed on `stop`. Caveats: a Temporal runtime (`Runtime.install`, for logging or metrics) must be installed
 * before this is called.
 * @throws {OperatorSetError} when operators clash; {@link TemporalUnreachableError} when Temporal cannot be reached.
 */
export async function startOperatorRuntime(options: OperatorRuntimeOptions): Promise<OperatorRuntime> {
  const taskQueueOf = options.taskQueueOf ?? ((operator) => resolveOptions(operator).taskQueue);
  checkOperatorSet(options.operators, taskQueueOf);
  const targets = new Map(
    options.operators.map((operator) => [
      operator.name,
      { taskQueue: taskQueueOf(operator), config: resolveOptions(operator).loop },
    ]),
  );
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => {});
  };
  const workerKube = options.worker ? (options.worker.kube ?? options.kube) : undefined;
  for (const kube of new Set<KubeEndpoint>(workerKube ? [options.kube, workerKube] : [options.kube])) {
    if (isClientNodeConfig(kube)) poolConnectionsIfSupported(kube);
    stops.push(async () => {
      closeKubeRequestAgents(kube);
      // A step's `kube.config` may have made client-node's configuration from a lean endpoint meanwhile.
      const clientNode = isClientNodeConfig(kube) ? kube : madeKubeConfigOf(kube);
      if (clientNode) await closePooledConnections(clientNode);
    });
  }
  try {
    const started = await startParts(options, workerKube, taskQueueOf, targets, stops);
    return { targets, ...started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Stops = (() => Promise<void>)[];

async function startParts(
  options: OperatorRuntimeOptions,
  workerKube: KubeEndpoint | undefined,
  taskQueueOf: (operator: OperatorDefinition) => string,
  targets: ReadonlyMap<string, LoopTarget>,
  stops: Stops,
) {
  const workers =
    options.worker && workerKube
      ? await startWorkers(options, { ...options.worker, kube: workerKube }, taskQueueOf, stops)
      : undefined;
  const client = options.watcher || options.client ? await connectClient(options.temporal) : undefined;
  if (client) stops.push(() => client.connection.close());
  const watcher =
    options.watcher && client
      ? await startWatcher({
          operators: options.operators.map((operator) => ({
            operator,
            sender: temporalSignalSender(client, targets.get(operator.name) as LoopTarget),
          })),
          kube: options.kube,
          config: options.watcher.config,
          log: options.watcher.log,
        })
      : undefined;
  if (watcher) stops.push(() => watcher.stop());
  const done = workers?.done ?? new Promise<void>(() => {});
  return { client, workers: workers?.workers, watcher, done };
}

async function startWorkers(
  options: OperatorRuntimeOptions,
  worker: RuntimeWorkerOptions & { readonly kube: KubeEndpoint },
  taskQueueOf: (operator: OperatorDefinition) => string,
  stops: Stops,
): Promise<{ workers: EngineWorkers; done: Promise<void> }> {
  const connection: NativeConnection = worker.waitForTemporal
    ? await connectWorkerWhenUp(options.temporal, worker.waitForTemporal)
    : await connectWorker(options.temporal);
  stops.push(() => connection.close());
  const { kube, waitForTemporal: _wait, ...build } = worker;
  // Loaded by workers only: the worker SDK, which a watcher-only process does without.
  const { createEngineWorkers } = await import('../worker/create-workers.js');
  const workers = await createEngineWorkers({
    ...build,
    operators: options.operators,
    taskQueueOf,
    connection,
    namespace: options.temporal.namespace,
    ...(options.temporal.codec ? { codec: options.temporal.codec } : {}),
    kube,
  });
  const done = workers.run();
  // Observed here so a failing worker is never an unhandled rejection; callers await `done` for the failure.
  done.catch(() => {});
  stops.push(async () => {
    workers.shutdown();
    await done.catch(() => {});
  });
  return { workers, done };
}
