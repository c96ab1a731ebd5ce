import type { KubeConfig } from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { expect, inject, onTestFinished } from 'vitest';
import type { LoopTarget } from '../../src/client/reconcile-client.js';
import { type ResourceRef, workflowIdFor } from '../../src/core/resource-ref.js';
import type { Condition, EngineStatus } from '../../src/core/status.js';
import { installCrd } from '../../src/devenv/install-crd.js';
import type { OperatorDefinition } from '../../src/operator/operator.js';
import type { ResourceKind } from '../../src/operator/resource-kind.js';
import {
  type OperatorTest,
  recordHistory,
  startOperatorTest,
  TestResources,
  type TestServerAddresses,
} from '../../src/testing/index.js';
import { waitForLoop } from '../../src/testing/waits.js';
import type { ResourceDescription } from '../../src/workflows/contract.js';
import { adminKubeConfig, createTestNamespace } from './kube.js';
import { uniqueTaskQueue } from './temporal.js';

export { quietLogger } from '../../src/testing/bundle.js';
export { engineBundle } from '../../src/testing/index.js';

/** The test run's servers, as the global set-up provided them. */
export function testServers(overrides: Partial<TestServerAddresses> = {}): TestServerAddresses {
  return {
    temporalAddress: inject('temporalAddress'),
    temporalNamespace: inject('temporalNamespace'),
    kube: inject('kube'),
    ...overrides,
  };
}

/** Installs a kind's generated CRD (idempotent, exactly as `staircase crd` prints it) and waits until it is served. */
export function installKind(kind: ResourceKind): Promise<void> {
  return installCrd(adminKubeConfig(), kind.crd());
}

/** A running engine for one test: the testing kit's operator test without a watcher (tests signal by hand). */
export interface TestEngine {
  readonly client: Client;
  readonly target: LoopTarget;
  readonly worker: Worker;
  readonly kit: OperatorTest<ResourceKind>;
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
  const kit = await startOperatorTest({
    operator,
    servers: testServers(options.temporalAddress ? { temporalAddress: options.temporalAddress } : {}),
    watcher: false,
    // Engine tests make their own namespaces; the kit's is not used.
    namespace: 'default',
    taskQueue: options.taskQueue ?? uniqueTaskQueue('engine'),
    ...(options.kube ? { workerKube: options.kube } : {}),
  });
  const seen = new Set<string>();
  let recorded = false;
  // Histories are saved before the engine stops (a test may stop one engine and start another).
  const stop = async () => {
    if (!recorded && process.env.STAIRCASE_RECORD_HISTORIES === '1') {
      recorded = true;
      await recordHistories(kit, seen, testName);
    }
    await kit.stop();
  };
  const testName = expect.getState().currentTestName?.split(' > ').at(-1) ?? 'unnamed';
  onTestFinished(() => stop());
  return {
    client: kit.client,
    target: kit.target,
    worker: kit.worker,
    kit,
    signal: async (ref, reason = 'test') => {
      seen.add(workflowIdFor(ref));
      return kit.signal(ref, reason);
    },
    waitFor: (ref, predicate, timeoutMs = 30_000) =>
      kit.waitUntil(ref, 'to reach the awaited state', predicate, { timeoutMs }),
    stop,
  };
}

/** Where recorded histories live; `npm run histories:record` refreshes them. */
export const HISTORIES_DIR = new URL('../histories/', import.meta.url).pathname;

/** The engine revision new recordings are made with (its newest workflow patch): part of each recording's name. */
export const RECORDING_REVISION = 'loop-5';

/** Saves the current run's history of each workflow as `test/histories/<test>--<resource>--<revision>.json`. */
async function recordHistories(
  kit: OperatorTest<ResourceKind>,
  workflowIds: ReadonlySet<string>,
  testName: string,
) {
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80);
  for (const workflowId of workflowIds) {
    // Named for the engine revision that recorded it, so that recording again never overwrites an older history.
    const file = `${slug(testName)}--${slug(workflowId.split('/').at(-1) ?? workflowId)}--${RECORDING_REVISION}`;
    await recordHistory(kit.client, workflowId, HISTORIES_DIR, file);
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
export function waitForDescription(
  client: Client,
  ref: ResourceRef,
  predicate: (d: ResourceDescription) => boolean,
  timeoutMs = 30_000,
): Promise<ResourceDescription> {
  return waitForLoop(client, ref, 'to reach the awaited state', predicate, { timeoutMs });
}

const resources = () => new TestResources(adminKubeConfig());

/** Creates a custom resource of `kind` and returns its reference. */
export function createResource(
  kind: ResourceKind,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<ResourceRef> {
  return resources().create(kind, name, spec, namespace);
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
  return (await resources().get(ref)) as TestObject | undefined;
}

/** Merge-patches a custom resource's spec. */
export function patchSpec(ref: ResourceRef, spec: Record<string, unknown>): Promise<void> {
  return resources().patchSpec(ref, spec);
}
