import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { onTestFinished, vi } from 'vitest';
import { type LoopTarget, signalChange } from '../../src/client/reconcile-client.js';
import { type ResourceRef, workflowIdFor } from '../../src/core/resource-ref.js';
import type { Condition, EngineStatus } from '../../src/core/status.js';
import { type OperatorDefinition, resolveOptions } from '../../src/operator/operator.js';
import type { ResourceKind } from '../../src/operator/resource-kind.js';
import { createEngineWorker, engineWorkflowsPath } from '../../src/worker/create-worker.js';
import { describeQuery, type ResourceDescription } from '../../src/workflows/contract.js';
import { installCrd } from './crd.js';
import { adminKubeConfig, createTestNamespace } from './kube.js';
import { temporalClient, uniqueTaskQueue, workerConnection } from './temporal.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The engine's workflow bundle, built once per test file. */
export function engineBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: engineWorkflowsPath(), logger: quietLogger });
  return bundle;
}

/** A logger for `bundleWorkflowCode` that drops webpack's chatter. */
export const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Installs a kind's generated CRD (idempotent) and waits until it is served. */
export function installKind(kind: ResourceKind): Promise<void> {
  return installCrd(kind.crd());
}

/** A running engine for one test: a worker on its own task queue, and a client. */
export interface TestEngine {
  readonly client: Client;
  readonly target: LoopTarget;
  readonly worker: Worker;
  /** Signals a change to the resource's loop (starting it if needed), as the watcher would. */
  signal(ref: ResourceRef, reason?: string): Promise<WorkflowHandle>;
  /** Polls the loop's `describe` query until `predicate` holds. */
  waitFor(
    ref: ResourceRef,
    predicate: (d: ResourceDescription) => boolean,
    timeoutMs?: number,
  ): Promise<ResourceDescription>;
  /** Stops the worker (also done when the test finishes). */
  stop(): Promise<void>;
}

/** Where a test engine runs; the test run's servers and a fresh task queue by default. */
export interface EngineOptions {
  readonly taskQueue?: string;
  readonly temporalAddress?: string;
  readonly kube?: KubeConfig;
}

/** Starts a worker for `operator` on a fresh task queue; it stops when the current test finishes. */
export async function startEngine(
  operator: OperatorDefinition,
  options: EngineOptions = {},
): Promise<TestEngine> {
  const taskQueue = options.taskQueue ?? uniqueTaskQueue('engine');
  const client = await temporalClient(options.temporalAddress);
  const worker = await createEngineWorker({
    operator,
    connection: await workerConnection(options.temporalAddress),
    kube: options.kube ?? adminKubeConfig(),
    taskQueue,
    workflowBundle: await engineBundle(),
    tuning: { maxCachedWorkflows: 0 },
  });
  const running = worker.run();
  const stop = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
  onTestFinished(stop);
  const target: LoopTarget = { taskQueue, config: resolveOptions(operator).loop };
  const seen = new Set<string>();
  if (process.env.STAIRCASE_RECORD_HISTORIES === '1')
    onTestFinished((test) => recordHistories(client, seen, test.task.name));
  return {
    client,
    target,
    worker,
    signal: (ref, reason = 'test') => {
      seen.add(workflowIdFor(ref));
      return signalChange(client, ref, target, reason);
    },
    waitFor: (ref, predicate, timeoutMs = 30_000) => waitForDescription(client, ref, predicate, timeoutMs),
    stop,
  };
}

/** Where recorded histories live; `npm run histories:record` refreshes them. */
export const HISTORIES_DIR = fileURLToPath(new URL('../histories/', import.meta.url));

/** Saves the current run's history of each workflow as `test/histories/<test>--<resource>.json`. */
async function recordHistories(
  client: Client,
  workflowIds: ReadonlySet<string>,
  testName: string,
): Promise<void> {
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80);
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const file = join(
      HISTORIES_DIR,
      `${slug(testName)}--${slug(workflowId.split('/').at(-1) ?? workflowId)}.json`,
    );
    await writeFile(file, `${historyToJSON(history)}\n`);
  }
}

/** A resource created in a fresh namespace, with a running engine whose loop has been told about it. */
export interface Scenario {
  readonly namespace: string;
  readonly engine: TestEngine;
  readonly ref: ResourceRef;
  readonly handle: WorkflowHandle;
}

/** Creates a namespace, starts an engine for `operator`, creates a resource and signals its loop. */
export async function startScenario(
  operator: OperatorDefinition,
  name: string,
  spec: Record<string, unknown>,
): Promise<Scenario> {
  const namespace = await createTestNamespace();
  const engine = await startEngine(operator);
  const ref = await createResource(operator.kind, namespace, name, spec);
  const handle = await engine.signal(ref, 'created');
  return { namespace, engine, ref, handle };
}

/** Polls the `describe` query of a resource's loop until `predicate` holds. */
export async function waitForDescription(
  client: Client,
  ref: ResourceRef,
  predicate: (d: ResourceDescription) => boolean,
  timeoutMs = 30_000,
): Promise<ResourceDescription> {
  const handle = client.workflow.getHandle(workflowIdFor(ref));
  return vi.waitFor(
    async () => {
      const description = await handle.query(describeQuery);
      if (!predicate(description)) throw new Error(`not yet: ${JSON.stringify(description).slice(0, 400)}`);
      return description;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

/** Creates a custom resource of `kind` and returns its reference. */
export async function createResource(
  kind: ResourceKind,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<ResourceRef> {
  await adminKubeConfig()
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      group: kind.group,
      version: kind.version,
      plural: kind.plural,
      namespace,
      body: { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name }, spec },
    });
  return kind.ref(name, namespace);
}

/** A custom resource as the tests look at it. */
export interface TestObject {
  readonly metadata: { readonly uid: string; readonly generation?: number; readonly finalizers?: string[] };
  readonly spec: Record<string, unknown>;
  readonly status?: Partial<EngineStatus> & Record<string, unknown>;
}

/** The condition of `type` on an object, if any. */
export function conditionOf(object: TestObject | undefined, type: string): Condition | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/** Reads a custom resource (undefined when gone). */
export async function readObject(ref: ResourceRef): Promise<TestObject | undefined> {
  try {
    return (await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ ...ref, namespace: ref.namespace ?? '' })) as TestObject;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** Merge-patches a custom resource's spec. */
export async function patchSpec(ref: ResourceRef, spec: Record<string, unknown>): Promise<void> {
  await adminKubeConfig()
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      { ...ref, namespace: ref.namespace ?? '', body: { spec } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}
