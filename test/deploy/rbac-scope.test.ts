import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { WorkflowNotFoundError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import type { PolicyRule } from '../../src/operator/rbac.js';
import { Stack } from '../engine/fixtures/test-operator.js';
import { installKind, startEngine } from '../support/engine.js';
import {
  adminKubeConfig,
  applyAsAdmin,
  createTestNamespace,
  serviceAccountKubeConfig,
  uniqueName,
} from '../support/kube.js';
import { startTestWatcher } from '../support/watcher.js';
import { scopedOperator } from './fixtures/scoped-operator.js';

type Engine = Awaited<ReturnType<typeof startEngine>>;

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const MODULE = fileURLToPath(new URL('fixtures/scoped-operator.ts', import.meta.url));

/** The objects `staircase rbac` prints for the fixture operator with `args`. */
async function rbacFromCli(args: readonly string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', CLI, 'rbac', '--operator', MODULE, ...args],
    { timeout: 60_000 },
  );
  return stdout.split(/^---$/m).map((text) => parseYaml(text) as Record<string, unknown>);
}

const apply = applyAsAdmin;

async function createStack(namespace: string, name: string, labels: Record<string, string> = {}) {
  const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
  const body = {
    apiVersion: Stack.apiVersion,
    kind: Stack.kind,
    metadata: { name, labels },
    spec: { items: ['x'] },
  };
  const created = (await custom.createNamespacedCustomObject({
    ...Stack.ref(name, namespace),
    namespace,
    body,
  })) as {
    metadata: { uid: string };
  };
  return { ref: Stack.ref(name, namespace), uid: created.metadata.uid };
}

/** The HTTP status of listing `plural` (core group) or Stacks as `kube`, in `namespace` or cluster-wide. */
async function listStatus(kube: KubeConfig, plural: string, namespace?: string): Promise<number> {
  const api = KubernetesObjectApi.makeApiClient(kube);
  const [apiVersion, kind] =
    plural === 'stacks'
      ? [Stack.apiVersion, Stack.kind]
      : ['v1', plural === 'secrets' ? 'Secret' : 'ConfigMap'];
  try {
    await api.list(apiVersion, kind, namespace);
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

/** Creates, reads and counts up an Event as `kube` in `namespace`, as the worker's aggregated Events do. */
async function emitEventAs(kube: KubeConfig, namespace: string): Promise<void> {
  const core = kube.makeApiClient(CoreV1Api);
  const name = uniqueName('event');
  const involvedObject = { apiVersion: 'v1', kind: 'ConfigMap', name: 'any', namespace };
  const now = new Date();
  await core.createNamespacedEvent({
    namespace,
    body: {
      metadata: { name },
      involvedObject,
      reason: 'Test',
      message: 'test',
      source: { component: 'staircase-test' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
  const seen = await core.readNamespacedEvent({ name, namespace });
  await core.patchNamespacedEvent(
    { name, namespace, body: { count: (seen.count ?? 1) + 1 } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function waitUntilReady(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await fetch(`http://127.0.0.1:${port}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('the watcher never became ready: an informer cannot list');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function expectNoLoop(engine: Engine, ref: ReturnType<typeof Stack.ref>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await expect(engine.client.workflow.getHandle(workflowIdFor(ref)).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
}

/** Deletes the Stack's child ConfigMap by hand and waits until a later run has put it back. */
async function expectChildHealed(engine: Engine, ref: ReturnType<typeof Stack.ref>): Promise<void> {
  const converged = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged', 60_000);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.deleteNamespacedConfigMap({ namespace: ref.namespace ?? '', name: `${ref.name}-x` });
  await engine.waitFor(
    ref,
    (d) => d.lastRun?.outcome.kind === 'converged' && d.runNumber > converged.runNumber + 1,
    60_000,
  );
}

const rulesOf = (manifests: Record<string, unknown>[], kind: string, name: string) =>
  manifests
    .filter((m) => m.kind === kind && (m.metadata as { name: string }).name === name)
    .flatMap((m) => (m.rules as PolicyRule[]).flatMap((rule) => rule.resources));

describe('RBAC that follows the watched scope, with service-account tokens', () => {
  beforeAll(() => installKind(Stack));

  it('with --namespaces: Roles in those namespaces are enough, another namespace is not reconciled, and neither identity can list cluster-wide', async () => {
    const system = await createTestNamespace('sys');
    const a = await createTestNamespace('a');
    const b = await createTestNamespace('b');
    const outside = await createTestNamespace('out');
    const operator = scopedOperator();
    const prefix = uniqueName('scoped');
    const manifests = await rbacFromCli([
      '--namespace',
      system,
      '--prefix',
      prefix,
      '--namespaces',
      `${a},${b}`,
    ]);
    // Only the cluster-scoped related kind stays in a ClusterRole.
    expect(rulesOf(manifests, 'ClusterRole', `${prefix}-watcher`)).toEqual(['namespaces']);
    expect(rulesOf(manifests, 'ClusterRole', `${prefix}-worker`)).toEqual(['namespaces']);
    expect(
      manifests.filter((m) => m.kind === 'Role').map((m) => (m.metadata as { namespace: string }).namespace),
    ).toEqual([a, b, a, b, system]);
    await apply(manifests);

    const worker = await serviceAccountKubeConfig(system, `${prefix}-worker`);
    const watcherKube = await serviceAccountKubeConfig(system, `${prefix}-watcher`);
    const engine = await startEngine(operator, { kube: worker });
    const watcher = await startTestWatcher(
      operator,
      engine,
      a,
      {
        namespaces: [a, b],
        leaderElection: { enabled: true, namespace: system, leaseDurationMs: 3_000, retryPeriodMs: 300 },
      },
      watcherKube,
    );
    // Stacks, ConfigMaps and Secrets once per namespace, Namespaces once: every one of them lists.
    expect(watcher.informers).toBe(7);
    await waitUntilReady(watcher.port);

    const inA = await createStack(a, 'one');
    const inB = await createStack(b, 'two');
    const away = await createStack(outside, 'three');
    await expectChildHealed(engine, inA.ref);
    await expectChildHealed(engine, inB.ref);
    await expectNoLoop(engine, away.ref);

    await emitEventAs(worker, b);
    await expect(emitEventAs(worker, outside)).rejects.toMatchObject({ code: 403 });
    for (const [who, kube] of [
      ['watcher', watcherKube],
      ['worker', worker],
    ] as const) {
      for (const plural of ['stacks', 'configmaps', 'secrets']) {
        expect(await listStatus(kube, plural), `${who} lists ${plural} cluster-wide`).toBe(403);
        expect(await listStatus(kube, plural, outside), `${who} lists ${plural} outside`).toBe(403);
        expect(await listStatus(kube, plural, b), `${who} lists ${plural} in b`).toBe(200);
      }
    }
  }, 180_000);

  it('cluster-wide: ClusterRoles let the watcher read every namespace; owned kinds ignore the label selector and signal only owners it selects', async () => {
    const system = await createTestNamespace('sys');
    const c = await createTestNamespace('c');
    const d = await createTestNamespace('d');
    const operator = scopedOperator();
    const prefix = uniqueName('wide');
    const manifests = await rbacFromCli(['--namespace', system, '--prefix', prefix]);
    expect(
      manifests.filter((m) => m.kind === 'Role').map((m) => (m.metadata as { name: string }).name),
    ).toEqual([`${prefix}-watcher-lease`]);
    await apply(manifests);

    const worker = await serviceAccountKubeConfig(system, `${prefix}-worker`);
    const watcherKube = await serviceAccountKubeConfig(system, `${prefix}-watcher`);
    const engine = await startEngine(operator, { kube: worker });
    const selector = uniqueName('shard');
    const watcher = await startTestWatcher(
      operator,
      engine,
      c,
      { namespaces: [], labelSelector: `staircase.test/shard=${selector}` },
      watcherKube,
    );
    // One informer per kind, cluster-wide; the label selector narrows only the Stacks'.
    expect(watcher.informers).toBe(4);
    await waitUntilReady(watcher.port);
    expect(await listStatus(watcherKube, 'stacks')).toBe(200);
    expect(await listStatus(worker, 'configmaps')).toBe(200);
    await emitEventAs(worker, d);

    const labels = { 'staircase.test/shard': selector };
    const inC = await createStack(c, 'one', labels);
    const inD = await createStack(d, 'two', labels);
    // Its children do not carry the selector's label, and still signal it.
    await expectChildHealed(engine, inC.ref);
    await expectChildHealed(engine, inD.ref);

    // A Stack outside the selector, with a child that names it as its controller: no loop starts for it.
    const stray = await createStack(c, 'stray');
    await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({
        namespace: c,
        body: {
          metadata: {
            name: 'stray-x',
            ownerReferences: [
              {
                apiVersion: Stack.apiVersion,
                kind: Stack.kind,
                name: 'stray',
                uid: stray.uid,
                controller: true,
              },
            ],
          },
        },
      });
    await expectNoLoop(engine, stray.ref);
  }, 180_000);
});
