import type { Worker } from '@temporalio/worker';
import type { OperatorDefinition } from '../operator/operator.js';
import { checkOperatorSet } from '../operator/operator-set.js';
import { createEngineWorker, type EngineWorkerOptions, engineBundleOptions } from './create-worker.js';

/** Options of {@link createEngineWorkers}: those of {@link createEngineWorker}, for several operators. */
export interface EngineWorkersOptions
  extends Omit<EngineWorkerOptions<OperatorDefinition['kind']>, 'operator' | 'taskQueue'> {
  readonly operators: readonly OperatorDefinition[];
  /** Each operator's task queue; default the operator's own (`options.taskQueue`, else `staircase-<name>`). */
  readonly taskQueueOf: (operator: OperatorDefinition) => string;
}

/** One operator's worker. */
export interface OperatorWorker {
  readonly operator: OperatorDefinition;
  readonly taskQueue: string;
  readonly worker: Worker;
}

/** Workers of several operators in one process; see {@link createEngineWorkers}. */
export interface EngineWorkers {
  readonly workers: readonly OperatorWorker[];
  /**
   * Runs every worker until all have stopped (on SIGINT/SIGTERM, or {@link EngineWorkers.shutdown}). When one
   * worker fails, the others are shut down and the first failure is rethrown once all have stopped.
   */
  run(): Promise<void>;
  /** Asks every running worker to stop; `run()` resolves once they have. */
  shutdown(): void;
}

/**
 * One Temporal worker per operator, each on the operator's task queue with the operator's activities, all on one
 * connection and one workflow bundle (bundled once here when none is given and tracing is off).
 *
 * Guarantees: operators do not share task queues, pollers or activity slots, so one operator's failing or slow
 * steps never hold up another's runs.
 * @throws {OperatorSetError} when two operators share a name, a kind or a task queue.
 */
export async function createEngineWorkers(options: EngineWorkersOptions): Promise<EngineWorkers> {
  const { operators, taskQueueOf, ...shared } = options;
  checkOperatorSet(operators, taskQueueOf);
  const workflowBundle =
    shared.workflowBundle ?? (shared.tracing || operators.length === 1 ? undefined : await bundleEngine());
  const workers: OperatorWorker[] = [];
  for (const operator of operators) {
    const taskQueue = taskQueueOf(operator);
    const worker = await createEngineWorker({
      ...shared,
      ...(workflowBundle ? { workflowBundle } : {}),
      operator,
      taskQueue,
    });
    workers.push({ operator, taskQueue, worker });
  }
  const shutdown = () => {
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  return { workers, run: () => runAll(workers, shutdown), shutdown };
}

/** One bundle of the engine's workflows; the worker SDK (and webpack) is loaded only when a bundle is made. */
async function bundleEngine() {
  const { bundleWorkflowCode, Runtime } = await import('@temporalio/worker');
  return bundleWorkflowCode({ ...engineBundleOptions(), logger: Runtime.instance().logger });
}

async function runAll(workers: readonly OperatorWorker[], shutdown: () => void): Promise<void> {
  const results = await Promise.allSettled(
    workers.map(({ worker }) =>
      worker.run().catch((error: unknown) => {
        shutdown();
        throw error;
      }),
    ),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}
