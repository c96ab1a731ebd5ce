import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { PayloadCodec } from '@temporalio/common';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createEngineActivities } from '../activities/create-activities.js';
import { dataConverterFor } from '../codec/data-converter.js';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import type { ResourceKind } from '../operator/resource-kind.js';
import type { KubeEndpoint } from '../runtime/kube-http.js';
import { DEFAULT_WORKER_TUNING, workerOptionsOf } from './tuning.js';

/** Options of {@link createEngineWorker}. */
export interface EngineWorkerOptions<K extends ResourceKind> {
  readonly operator: OperatorDefinition<K>;
  readonly connection: NativeConnection;
  readonly namespace?: string;
  /**
   * The worker's identity towards the Kubernetes API server: client-node's `KubeConfig`, or a lean endpoint
   * (`loadKubeEndpoint`), with which the worker loads client-node only if a step reads `kube.config`.
   */
  readonly kube: KubeEndpoint;
  /** Overrides the operator's task queue (tests use one per test). */
  readonly taskQueue?: string;
  /** Pre-built workflow bundle (`bundleWorkflowCode(engineBundleOptions())`); bundled on creation when absent. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * OpenTelemetry tracing of workflows and activities (spans for each run's workflow task and each step activity),
   * exported through `spanProcessor`. Bundles the workflow code at start (the tracing interceptors go in the bundle).
   */
  readonly tracing?: { readonly spanProcessor: SpanProcessor; readonly serviceName?: string };
  /**
   * Encrypts every payload the worker writes to history and decrypts what it reads (see `createPayloadCodec`);
   * failure messages are encrypted too. Every process reading these histories needs the same keys.
   */
  readonly codec?: PayloadCodec;
  /**
   * Worker options over the defaults of `DEFAULT_WORKER_TUNING` (a bounded cache of 1,000 loops, say). See
   * `workerOptionsOf` for `staircase worker`'s flags. `maxCachedWorkflows: 0` replays every task but keeps one loop
   * in memory at a time, and the SDK may drop the local activities of a loop it evicts: not for several loops.
   */
  readonly tuning?: Partial<
    Omit<
      WorkerOptions,
      'connection' | 'taskQueue' | 'activities' | 'workflowsPath' | 'workflowBundle' | 'dataConverter'
    >
  >;
}

/** Path of the engine's workflow entry point, as TypeScript source in development or compiled JavaScript. */
export function engineWorkflowsPath(): string {
  return workflowModulePath('index');
}

/**
 * The options every bundle of the engine's workflows is made with (workers, the image, the testing kit): its entry
 * point, and the sandbox set-up preloaded before the sandbox's globals are frozen (`src/workflows/sandbox-setup.ts`:
 * no stack frames in workflow code). Replays bundle without the set-up, so their errors keep their stacks.
 * Caveats: the SDK runs preloaded modules only in its reusable V8 context (`reuseV8Context`, the default); a worker
 * with `reuseV8Context: false` keeps the default stack traces. Pass these options to `bundleWorkflowCode` for a
 * prebuilt `workflowBundle`.
 */
export function engineBundleOptions(): { workflowsPath: string; preloadModules: string[] } {
  return { workflowsPath: engineWorkflowsPath(), preloadModules: [workflowModulePath('sandbox-setup')] };
}

function workflowModulePath(name: string): string {
  const compiled = fileURLToPath(new URL(`../workflows/${name}.js`, import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL(`../workflows/${name}.ts`, import.meta.url));
}

/**
 * A Temporal worker hosting the engine's workflows and the operator's activities on the operator's task queue.
 * Run it with `worker.run()`; any number of replicas may run side by side.
 */
export async function createEngineWorker<K extends ResourceKind>(
  options: EngineWorkerOptions<K>,
): Promise<Worker> {
  const taskQueue = options.taskQueue ?? resolveOptions(options.operator as OperatorDefinition).taskQueue;
  const code =
    options.workflowBundle && !options.tracing
      ? { workflowBundle: options.workflowBundle }
      : withBundlerOptions(engineBundleOptions(), options.tuning?.bundlerOptions);
  const dataConverter = dataConverterFor(options.codec);
  // Loaded here, not at import: the package's entry point stays free of the worker SDK and webpack, so a watcher
  // (or any process that only defines operators) does not carry them.
  const { EngineWorker } = await import('./engine-worker.js');
  return EngineWorker.create({
    ...workerOptionsOf(DEFAULT_WORKER_TUNING),
    ...options.tuning,
    ...code,
    ...(dataConverter ? { dataConverter } : {}),
    plugins: options.tracing ? [await tracingPlugin(options.tracing, options.operator.name)] : [],
    connection: options.connection,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    taskQueue,
    activities: createEngineActivities({ operator: options.operator, kube: options.kube }),
  });
}

async function tracingPlugin(
  tracing: NonNullable<EngineWorkerOptions<ResourceKind>['tracing']>,
  operatorName: string,
) {
  const [{ OpenTelemetryPlugin }, { Resource }] = await Promise.all([
    import('@temporalio/interceptors-opentelemetry'),
    import('@opentelemetry/resources'),
  ]);
  return new OpenTelemetryPlugin({
    resource: new Resource({ 'service.name': tracing.serviceName ?? `staircase-${operatorName}` }),
    spanProcessor: tracing.spanProcessor,
  });
}

/** Worker options that bundle `engine` at start, with the caller's own bundler options. */
function withBundlerOptions(
  engine: ReturnType<typeof engineBundleOptions>,
  own: WorkerOptions['bundlerOptions'],
) {
  const preloadModules = [...(own?.preloadModules ?? []), ...engine.preloadModules];
  return { workflowsPath: engine.workflowsPath, bundlerOptions: { ...own, preloadModules } };
}
