import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { type LoopTarget, signalChange } from '../client/reconcile-client.js';
import { type ResourceRef, workflowIdFor } from '../core/resource-ref.js';
import { installCrd } from '../devenv/install-crd.js';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import type { ResourceKind } from '../operator/resource-kind.js';
import { loadKubeConfig } from '../runtime/kube-config.js';
import { startOperatorRuntime } from '../runtime/operator-runtime.js';
import { parseWatcherConfig } from '../watcher/config.js';
import type { RunningWatcher } from '../watcher/watcher.js';
import type { ResourceDescription } from '../workflows/contract.js';
import { engineBundle } from './bundle.js';
import { ReplayFailedError } from './errors.js';
import { assertEngineGuarantees, type RunInHistory, runsInHistory } from './history.js';
import { executionHistories, recordHistory, replayNamedHistories, throwIfAnyFailed } from './replay.js';
import { type TestObject, TestResources } from './resources.js';
import { type TestServerAddresses, useTestServers } from './servers.js';
import { type WaitOptions, waitForCondition, waitForDeletion, waitForLoop, waitForReady } from './waits.js';

/** Options of {@link startOperatorTest}. */
export interface OperatorTestOptions<K extends ResourceKind> {
  readonly operator: OperatorDefinition<K>;
  /**
   * Other operators run in the same worker process and watcher, as `staircase worker` runs several: each on a
   * task queue of its own. Reach one with {@link OperatorTest.of}.
   */
  readonly alongside?: readonly OperatorDefinition[];
  /** Default: {@link useTestServers} (servers a global set-up provided, else started for this process). */
  readonly servers?: TestServerAddresses;
  /** Run the watcher in-process (default), so resources you create are reconciled as in production. */
  readonly watcher?: boolean;
  /** Namespace for the test's resources; default a fresh one, deleted by {@link OperatorTest.stop}. */
  readonly namespace?: string;
  /**
   * Task queue of the test's loops; default the operator's plus a random suffix, so tests never share one (the
   * operators `alongside` always get their own plus the suffix).
   */
  readonly taskQueue?: string;
  /** Identity of the worker towards the API server; default the admin (bypasses RBAC). */
  readonly workerKube?: KubeConfig;
  /**
   * Cached workflows of the worker; default the production worker's (`DEFAULT_WORKER_TUNING`). 0 replays every
   * workflow task from its history, but the Temporal SDK then keeps one loop in memory at a time and may drop the
   * local activities of a loop it evicts: a test with several loops stalls (see {@link replayOnStop} instead).
   */
  readonly maxCachedWorkflows?: number;
  /**
   * When the test stops, replay the history of every loop on the test's task queues against the workflow code and
   * fail with `ReplayFailedError` on non-determinism, so that it shows up in your tests rather than in production.
   * Default true; turn it off for a test that stops the Temporal server for good.
   */
  readonly replayOnStop?: boolean;
  /**
   * Encrypt the test's histories with this codec (see `createPayloadCodec`), as production processes do with
   * `--codec-key-file`: the worker, watcher and the test's client use it, so waits, `describe` and
   * {@link OperatorTest.runs} read through it.
   */
  readonly codec?: PayloadCodec;
}

/** A running operator (worker, and watcher unless disabled) on real servers, with helpers to drive and inspect it. */
export interface OperatorTest<K extends ResourceKind> {
  readonly operator: OperatorDefinition<K>;
  /** The test's namespace (created for it unless given). */
  readonly namespace: string;
  /** Admin client configuration of the test cluster. */
  readonly kube: KubeConfig;
  /** Client of the test's Temporal server. */
  readonly client: Client;
  /** Where this test's loops run: a task queue of its own, so tests never take each other's work. */
  readonly target: LoopTarget;
  readonly worker: Worker;
  readonly watcher?: RunningWatcher;
  readonly resources: TestResources;
  /** Creates a resource of the operator's kind (in the test's namespace when namespaced). */
  create(name: string, spec: Record<string, unknown>): Promise<ResourceRef>;
  /** The resource's reference, without reading it. */
  ref(name: string): ResourceRef;
  get(ref: ResourceRef): Promise<TestObject | undefined>;
  patchSpec(ref: ResourceRef, spec: Record<string, unknown>): Promise<void>;
  delete(ref: ResourceRef): Promise<void>;
  /** Signals the resource's loop as the watcher would (starting it if needed); the handle is of the run signalled. */
  signal(ref: ResourceRef, reason?: string): Promise<WorkflowHandle>;
  /** Waits until the loop's last run converged on the current generation: phase Ready. */
  waitForReady(ref: ResourceRef, options?: WaitOptions): Promise<ResourceDescription>;
  /** Waits until the loop reports `phase` (`Ready`, `Progressing`, `Stalled`, `Deleting`, `Paused`, …). */
  waitForPhase(
    ref: ResourceRef,
    phase: ResourceDescription['phase'],
    options?: WaitOptions,
  ): Promise<ResourceDescription>;
  /** Waits until the object has condition `type` with `status` (default `True`). */
  waitForCondition(
    ref: ResourceRef,
    type: string,
    status?: string,
    options?: WaitOptions,
  ): Promise<TestObject>;
  /** Waits until the object is gone (deletion and cleanup finished). */
  waitForDeletion(ref: ResourceRef, options?: WaitOptions): Promise<void>;
  /** Waits until `predicate` holds for the loop's `describe` answer; `what` completes "Website ns/name …". */
  waitUntil(
    ref: ResourceRef,
    what: string,
    predicate: (description: ResourceDescription) => boolean,
    options?: WaitOptions,
  ): Promise<ResourceDescription>;
  /**
   * Every run of the resource's loop, read from its Temporal history: steps, verdicts and applies. Waits (up to 10 s)
   * for a workflow task in flight, whose runs reach history only when it completes — after `waitForReady` or
   * `waitForDeletion`, the run that got there is included.
   */
  runs(ref: ResourceRef): Promise<RunInHistory[]>;
  /** Reads the history and checks the engine's guarantees on it; returns the runs. */
  assertEngineGuarantees(ref: ResourceRef): Promise<RunInHistory[]>;
  /** Saves the loop's current history as JSON in `dir` (for replay tests); returns the file's path. */
  recordHistory(ref: ResourceRef, dir: string, file?: string): Promise<string>;
  /**
   * The same test seen from another of its operators (this one or one run `alongside`): same namespace, watcher
   * and servers, that operator's kind, task queue and worker.
   *
   * @throws {Error} when `operator` is not one of the test's operators.
   */
  of<O extends ResourceKind>(operator: OperatorDefinition<O>): OperatorTest<O>;
  /**
   * Replays every loop's history (unless `replayOnStop` is false), then stops the watcher and the workers, closes
   * connections and deletes the namespace it created — all of it even when the replay fails.
   *
   * @throws {ReplayFailedError} when a loop's history does not replay against the workflow code.
   */
  stop(): Promise<void>;
}

/**
 * Runs an operator against real servers for a test: installs its CRD, starts its worker (and watcher) in-process
 * on a task queue of its own and, unless given one, a fresh namespace.
 *
 * Guarantees: nothing is faked — the worker runs the engine's real workflow code on a real Temporal server, and
 * steps talk to a real kube-apiserver. Tests running side by side do not see each other's work.
 * Caveats: a cluster-scoped kind is watched cluster-wide; give such resources names unique to the test.
 */
export async function startOperatorTest<K extends ResourceKind>(
  options: OperatorTestOptions<K>,
): Promise<OperatorTest<K>> {
  quietWorkerLogs();
  const operators = [options.operator as OperatorDefinition, ...(options.alongside ?? [])];
  const servers = options.servers ?? (await useTestServers());
  const kube = loadKubeConfig({ file: servers.kube.adminKubeconfigPath, fallback: 'default' });
  const stops: (() => Promise<void>)[] = [];
  let replay: (() => Promise<void>) | undefined;
  const stop = async () => {
    // Replayed first, while the client is open; everything is stopped whatever the replay found.
    const replayFailure = await replay?.().then(
      () => undefined,
      (error: unknown) => error,
    );
    replay = undefined;
    for (const step of stops.splice(0).reverse()) await step().catch(() => {});
    if (replayFailure) throw replayFailure;
  };
  try {
    const namespace = options.namespace ?? (await createNamespace(kube, options.operator.name, stops));
    for (const operator of operators) await installCrd(kube, operator.kind.crd());
    const suffix = randomBytes(4).toString('hex');
    const taskQueueOf = (operator: OperatorDefinition) =>
      operator === options.operator && options.taskQueue
        ? options.taskQueue
        : `${resolveOptions(operator).taskQueue}-${suffix}`;
    const runtime = await startOperatorRuntime({
      operators,
      temporal: {
        address: servers.temporalAddress,
        namespace: servers.temporalNamespace,
        ...(options.codec ? { codec: options.codec } : {}),
      },
      kube,
      taskQueueOf,
      worker: {
        ...(options.workerKube ? { kube: options.workerKube } : {}),
        workflowBundle: await engineBundle(),
        tuning: {
          // A step that ignores cancellation (or one the SDK retries after it) must not hold the test's stop forever.
          shutdownForceTime: SHUTDOWN_FORCE_MS,
          ...(options.maxCachedWorkflows === undefined
            ? {}
            : { maxCachedWorkflows: options.maxCachedWorkflows }),
        },
      },
      watcher: options.watcher === false ? false : { config: watcherConfig(namespace), log: SILENT },
      client: true,
    });
    stops.push(() => runtime.stop());
    if (options.replayOnStop !== false)
      replay = () => replayTestLoops(runtime.client as Client, operators.map(taskQueueOf), options.codec);
    const of = <O extends ResourceKind>(operator: OperatorDefinition<O>): OperatorTest<O> => {
      const worker = runtime.workers?.workers.find((w) => w.operator === operator)?.worker;
      const target = runtime.targets.get(operator.name);
      if (!worker || !target) throw new Error(`operator ${operator.name} is not part of this test`);
      const client = runtime.client as Client;
      const watcher = runtime.watcher;
      return handle({ operator, namespace, kube, client, target, worker, watcher, stop, of });
    };
    return of(options.operator);
  } catch (error) {
    replay = undefined;
    await stop();
    throw error;
  }
}

const SILENT = { info() {}, warn() {}, error() {} };

/**
 * How long `stop()` lets the workers drain before giving up on them: a local apply still hanging after its
 * cancellation — the SDK retries a cancelled local activity while the worker shuts down — would hold it forever.
 */
const SHUTDOWN_FORCE_MS = 10_000;

/**
 * Replays every loop on `taskQueues` against the workflow code the test's workers ran.
 *
 * @throws {ReplayFailedError} naming each history that does not replay, or saying that none could be fetched.
 */
async function replayTestLoops(
  client: Client,
  taskQueues: readonly string[],
  codec: PayloadCodec | undefined,
): Promise<void> {
  const query = taskQueues.map((queue) => `TaskQueue = "${queue}"`).join(' OR ');
  const loops = `the loops on ${taskQueues.join(', ')}`;
  const failed = (what: string) => (error: unknown) => {
    const why = error instanceof Error ? error.message : String(error);
    throw new ReplayFailedError([{ history: loops, message: `${what}: ${why}` }]);
  };
  const histories = await executionHistories(client, query).catch(
    failed('their histories could not be fetched'),
  );
  if (histories.length === 0) return;
  const results = await replayNamedHistories(histories, {
    workflowBundle: await engineBundle(),
    ...(codec ? { codec } : {}),
  }).catch(failed('the replay worker failed'));
  throwIfAnyFailed(results);
}

function watcherConfig(namespace: string) {
  // Cluster-scoped kinds are watched cluster-wide whatever the namespaces say.
  return parseWatcherConfig({
    namespaces: [namespace],
    leaderElection: { enabled: false },
    health: { host: '127.0.0.1', port: 0 },
    debounceMs: 50,
  });
}

async function createNamespace(kube: KubeConfig, prefix: string, stops: (() => Promise<void>)[]) {
  const core = kube.makeApiClient(CoreV1Api);
  const name = `${prefix.slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  stops.push(async () => {
    await core.deleteNamespace({ name });
  });
  return name;
}

type Parts<K extends ResourceKind> = Pick<
  OperatorTest<K>,
  'operator' | 'namespace' | 'kube' | 'client' | 'target' | 'worker' | 'stop' | 'of'
> & { readonly watcher: RunningWatcher | undefined };

function handle<K extends ResourceKind>(parts: Parts<K>): OperatorTest<K> {
  const { operator, namespace, client, target } = parts;
  const resources = new TestResources(parts.kube);
  const kind = operator.kind;
  const ref = (name: string) => kind.ref(name, kind.scope === 'Namespaced' ? namespace : undefined);
  const waitUntil: OperatorTest<K>['waitUntil'] = (r, what, predicate, options) =>
    waitForLoop(client, r, what, predicate, options);
  const { watcher, ...rest } = parts;
  return {
    ...rest,
    ...(watcher ? { watcher } : {}),
    resources,
    ref,
    create: (name, spec) => resources.create(kind, name, spec, namespace),
    get: (r) => resources.get(r),
    patchSpec: (r, spec) => resources.patchSpec(r, spec),
    delete: (r) => resources.delete(r),
    signal: (r, reason = 'test') => signalChange(client, r, target, reason),
    waitForReady: (r, options) => waitForReady(client, resources, r, options),
    waitForPhase: (r, phase, options) => waitUntil(r, `to be ${phase}`, (d) => d.phase === phase, options),
    waitForCondition: (r, type, status = 'True', options) =>
      waitForCondition(resources, r, type, status, options),
    waitForDeletion: (r, options) => waitForDeletion(resources, r, options),
    waitUntil,
    runs: (r) => runsInHistory(client, workflowIdFor(r)),
    assertEngineGuarantees: async (r) => {
      const runs = await runsInHistory(client, workflowIdFor(r));
      assertEngineGuarantees(workflowIdFor(r), runs);
      return runs;
    },
    recordHistory: (r, dir, file) => recordHistory(client, workflowIdFor(r), dir, file),
  };
}

let runtimeChecked = false;

/**
 * Keeps worker state changes and bundling out of test output (warnings and errors still show), unless the test
 * process installed a Temporal runtime of its own first.
 */
function quietWorkerLogs(): void {
  if (runtimeChecked) return;
  runtimeChecked = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // A runtime is already installed (by the test, or by a worker created earlier): keep it.
  }
}
