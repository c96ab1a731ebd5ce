import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createEngineActivities } from '../activities/create-activities.js';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import type { ResourceKind } from '../operator/resource-kind.js';

/** Options of {@link createEngineWorker}. */
export interface EngineWorkerOptions<K extends ResourceKind> {
  readonly operator: OperatorDefinition<K>;
  readonly connection: NativeConnection;
  readonly namespace?: string;
  /** The worker's identity towards the Kubernetes API server. */
  readonly kube: KubeConfig;
  /** Overrides the operator's task queue (tests use one per test). */
  readonly taskQueue?: string;
  /** Pre-built workflow bundle (see `bundleEngineWorkflows`); bundled on creation when absent. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options (for example `maxCachedWorkflows: 0` in tests, to replay every task). */
  readonly tuning?: Partial<
    Omit<WorkerOptions, 'connection' | 'taskQueue' | 'activities' | 'workflowsPath' | 'workflowBundle'>
  >;
}

/** Path of the engine's workflow entry point, as TypeScript source in development or compiled JavaScript. */
export function engineWorkflowsPath(): string {
  const compiled = fileURLToPath(new URL('../workflows/index.js', import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
}

/**
 * A Temporal worker hosting the engine's workflows and the operator's activities on the operator's task queue.
 * Run it with `worker.run()`; any number of replicas may run side by side.
 */
export async function createEngineWorker<K extends ResourceKind>(
  options: EngineWorkerOptions<K>,
): Promise<Worker> {
  const taskQueue = options.taskQueue ?? resolveOptions(options.operator as OperatorDefinition).taskQueue;
  const code = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: engineWorkflowsPath() };
  return Worker.create({
    ...options.tuning,
    ...code,
    connection: options.connection,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    taskQueue,
    activities: createEngineActivities({ operator: options.operator, kube: options.kube }),
  });
}
