import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { reconcileNowUpdate, workflowIdFor } from 'staircase-temporal';
import { type OperatorTest, startOperatorTest } from 'staircase-temporal/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testServers } from '../support/engine.js';
import { adminKubeConfig, createTestNamespace, kubeConfigFor, uniqueName } from '../support/kube.js';
import { App, appOperator, refusedStatusOperator } from './fixtures.js';

describe('steps written with the authoring helpers', () => {
  let test: OperatorTest<typeof App>;
  beforeAll(async () => {
    test = await startOperatorTest({ operator: appOperator, servers: testServers() });
  });
  afterAll(() => test?.stop());

  it('applies each declared child once, and a child with server-defaulted fields causes no further apply', async () => {
    const ref = await test.create('web', { motto: 'hi' });
    await test.waitForReady(ref);
    const applied = async () => (await test.assertEngineGuarantees(ref)).flatMap((run) => run.applies);
    expect(await applied()).toEqual(['deployment', 'record-deployment', 'motto']);
    expect((await test.get(ref))?.status).toMatchObject({ deployment: 'web' });

    // The Deployment now carries many fields the API server defaulted (strategy, revisionHistoryLimit, …) and a
    // status the controller manager keeps writing: runs that follow find nothing to fix.
    const handle = test.client.workflow.getHandle(workflowIdFor(ref));
    for (let i = 0; i < 2; i += 1) {
      expect((await handle.executeUpdate(reconcileNowUpdate)).outcome.kind).toBe('converged');
    }
    expect(await applied()).toEqual(['deployment', 'record-deployment', 'motto']);
  });

  it('puts a child edited by hand back in one run', async () => {
    const ref = await test.create('edited', { motto: 'as declared' });
    await test.waitForReady(ref);
    const before = (await test.runs(ref)).length;
    const core = test.kube.makeApiClient(CoreV1Api);
    await core.patchNamespacedConfigMap(
      { name: 'edited-motto', namespace: test.namespace, body: { data: { motto: 'by hand' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await vi.waitFor(
      async () => {
        const configMap = await core.readNamespacedConfigMap({
          name: 'edited-motto',
          namespace: test.namespace,
        });
        expect(configMap.data?.motto).toBe('as declared');
      },
      { timeout: 30_000, interval: 200 },
    );
    await test.waitForReady(ref);
    const since = (await test.assertEngineGuarantees(ref)).slice(before);
    expect(since.flatMap((run) => run.applies)).toEqual(['motto']);
    const fixing = since.find((run) => run.applies.length > 0);
    expect(fixing?.steps.find((s) => s.name === 'motto')?.reason).toMatch(
      /ConfigMap edited-motto differs at data\.motto/,
    );
  });

  it('keeps conditions other controllers write, and operator status fields, when the engine records a run', async () => {
    const ref = await test.create('shared', { motto: 'one' });
    await test.waitForReady(ref);
    const custom = test.kube.makeApiClient(CustomObjectsApi);
    const external = {
      type: 'Audited',
      status: 'True',
      reason: 'Checked',
      message: 'written by another controller',
      lastTransitionTime: new Date().toISOString(),
    };
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: App.group,
        version: App.version,
        plural: App.plural,
        namespace: test.namespace,
        name: 'shared',
        body: [{ op: 'add', path: '/status/conditions/-', value: external }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    await test.patchSpec(ref, { motto: 'two' });
    await test.waitForReady(ref);
    const status = (await test.get(ref))?.status as { conditions: { type: string }[]; deployment?: string };
    expect(status.conditions.map((c) => c.type)).toEqual(expect.arrayContaining(['Audited', 'Ready']));
    expect(status.conditions.find((c) => c.type === 'Audited')).toMatchObject({
      message: 'written by another controller',
    });
    expect(status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(status.deployment).toBe('shared');
  });
});

describe('a step without the permission it needs', () => {
  it('fails with a Stalled condition naming the missing permission, instead of "needs fix"', async () => {
    const namespace = await createTestNamespace('forbidden');
    const user = uniqueName('app-worker');
    await grant(namespace, user);
    const test = await startOperatorTest({
      operator: appOperator,
      servers: testServers(),
      namespace,
      workerKube: await kubeConfigFor(user),
    });
    try {
      const ref = await test.create('locked', { motto: 'hi' });
      const stalled = stalledOf(await test.waitForCondition(ref, 'Stalled', 'True'));
      expect(stalled?.reason).toBe('Forbidden');
      expect(stalled?.message).toMatch(
        /step settings: get ConfigMap .*\/locked-settings: .*cannot get resource "configmaps"/,
      );
      const runs = await test.runs(ref);
      expect(runs.flatMap((run) => run.applies)).toEqual([]);
      expect(runs[0]?.steps[0]).toMatchObject({ name: 'settings', verdict: 'failed' });
    } finally {
      await test.stop();
    }
  });
});

describe('a status the API server refuses', () => {
  it('fails the step at once as invalid (a permanent error), naming the field, instead of retrying', async () => {
    const test = await startOperatorTest({ operator: refusedStatusOperator, servers: testServers() });
    try {
      const ref = await test.create('numeric', { motto: 'hi' });
      const stalled = stalledOf(await test.waitForCondition(ref, 'Stalled', 'True'));
      expect(stalled?.reason).toBe('Invalid');
      expect(stalled?.message).toMatch(
        /step record-number: patch status of App .*numeric: .*status\.deployment/,
      );
      const runs = await test.runs(ref);
      expect(runs[0]?.applies).toEqual(['record-number']);
    } finally {
      await test.stop();
    }
  });
});

/** The `Stalled` condition of a resource as the kit read it. */
function stalledOf(object: { readonly status?: { readonly conditions?: unknown } }) {
  const conditions = (object.status?.conditions ?? []) as { type: string; reason: string; message: string }[];
  return conditions.find((c) => c.type === 'Stalled');
}

/** Lets `user` do what the engine needs on Apps in `namespace` — and nothing on ConfigMaps. */
async function grant(namespace: string, user: string): Promise<void> {
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'app-worker' },
      rules: [
        { apiGroups: [App.group], resources: ['apps'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
        { apiGroups: [App.group], resources: ['apps/status'], verbs: ['get', 'patch', 'update'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'app-worker' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'app-worker' },
      subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
}
