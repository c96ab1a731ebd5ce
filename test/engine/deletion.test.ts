import { ApiException, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngineActivities } from '../../src/activities/create-activities.js';
import { guardedFinalizerPatch } from '../../src/activities/engine-steps.js';
import { classifyStepError, FinalizerPatchConflict } from '../../src/activities/errors.js';
import { jsonPatchResource, readResource } from '../../src/activities/kube-objects.js';
import type { ResourceRef } from '../../src/core/resource-ref.js';
import { httpStatusOf, KubeApiError } from '../../src/runtime/kube-http.js';
import {
  conditionOf,
  createResource,
  installKind,
  patchSpec,
  readObject,
  startEngine,
  startScenario,
} from '../support/engine.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { cleanedMarker, Locker, lockerOperator } from './fixtures/locker-operator.js';

const DEFAULT_FINALIZER = 'finalizers.staircase.test/staircase-cleanup';
const OLD_FINALIZER = 'finalizers.staircase.test/old-cleanup';

const custom = () => adminKubeConfig().makeApiClient(CustomObjectsApi);
const core = () => adminKubeConfig().makeApiClient(CoreV1Api);
const deleteObject = (ref: ResourceRef) =>
  custom().deleteNamespacedCustomObject({ ...ref, namespace: ref.namespace ?? 'default' });

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return false;
    throw error;
  }
}

const markerLeft = (ref: ResourceRef) =>
  exists(() =>
    core().readNamespacedConfigMap({ name: cleanedMarker(ref.name), namespace: ref.namespace ?? '' }),
  );

const gone = { timeout: 20_000, interval: 250 };

describe('deletion', () => {
  beforeAll(() => installKind(Locker));

  it('removes the finalizer of an object whose spec no longer validates, skipping cleanup with a Warning', async () => {
    const { namespace, engine, ref } = await startScenario(lockerOperator({ cleanup: true }), 'broken', {
      size: 1,
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect((await readObject(ref))?.metadata.finalizers).toEqual([DEFAULT_FINALIZER]);

    await patchSpec(ref, { size: -1 }); // the CRD accepts it; the zod refinement does not
    await deleteObject(ref);
    await engine.signal(ref, 'deleted');

    await expect.poll(() => readObject(ref), gone).toBeUndefined();
    expect(await markerLeft(ref)).toBe(false); // the cleanup plan could not run
    const events = await core().listNamespacedEvent({ namespace, fieldSelector: 'reason=CleanupSkipped' });
    expect(events.items.map((e) => e.message)).toEqual([
      expect.stringContaining('without running the cleanup plan: the spec is invalid (spec.size'),
    ]);
    await core().deleteNamespace({ name: namespace });
    await expect
      .poll(() => exists(() => core().readNamespace({ name: namespace })), { timeout: 60_000, interval: 500 })
      .toBe(false);
  });

  it('removes a finalizer the operator owned under an earlier name, after running its cleanup', async () => {
    const taskQueue = uniqueTaskQueue('deletion');
    const namespace = await createTestNamespace();
    const before = await startEngine(lockerOperator({ cleanup: true, finalizer: OLD_FINALIZER }), {
      taskQueue,
    });
    const ref = await createResource(Locker, namespace, 'renamed', {});
    await before.signal(ref, 'created');
    await before.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect((await readObject(ref))?.metadata.finalizers).toEqual([OLD_FINALIZER]);
    await before.stop();

    const after = await startEngine(lockerOperator({ cleanup: true, formerFinalizers: [OLD_FINALIZER] }), {
      taskQueue,
    });
    await deleteObject(ref);
    await after.signal(ref, 'deleted');
    await expect.poll(() => readObject(ref), gone).toBeUndefined();
    expect(await markerLeft(ref)).toBe(true);
  });

  it('removes the default finalizer once the operator no longer has a cleanup plan', async () => {
    const taskQueue = uniqueTaskQueue('deletion');
    const namespace = await createTestNamespace();
    const before = await startEngine(lockerOperator({ cleanup: true }), { taskQueue });
    const ref = await createResource(Locker, namespace, 'dropped', {});
    await before.signal(ref, 'created');
    await before.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect((await readObject(ref))?.metadata.finalizers).toEqual([DEFAULT_FINALIZER]);
    await before.stop();

    const after = await startEngine(lockerOperator(), { taskQueue });
    await deleteObject(ref);
    await after.signal(ref, 'deleted');
    await expect.poll(() => readObject(ref), gone).toBeUndefined();
  });

  it('treats a finalizer patch that lost a race as a conflict to retry, not a rejection', async () => {
    const namespace = await createTestNamespace();
    const ref = await createResource(Locker, namespace, 'raced', {});
    const kube = adminKubeConfig();
    const stale = await readResource(kube, ref);
    if (!stale) throw new Error('the object is missing');
    // Another client changes the object between the engine's read and its patch.
    await jsonPatchResource(kube, ref, [{ op: 'add', path: '/metadata/labels', value: { touched: 'yes' } }]);
    const raw = await jsonPatchResource(kube, ref, [
      { op: 'test', path: '/metadata/resourceVersion', value: stale.metadata.resourceVersion },
    ]).catch((error: unknown) => error);
    expect(raw).toBeInstanceOf(KubeApiError);
    expect(httpStatusOf(raw)).toBe(422);
    // The 422 alone reads as a rejection (not retried); the guarded patch recognises the lost race.
    expect(classifyStepError(raw)).toMatchObject({ nonRetryable: true });
    const lost = await guardedFinalizerPatch(kube, ref, stale, [DEFAULT_FINALIZER]).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(FinalizerPatchConflict);
    expect(classifyStepError(lost)).not.toBeInstanceOf(ApplicationFailure);
    expect((await readObject(ref))?.metadata.finalizers).toBeUndefined();
  });

  it('ends an apply on an object that vanished as stale, without retrying', async () => {
    const namespace = await createTestNamespace();
    const ref = await createResource(Locker, namespace, 'vanished', {});
    const object = await readResource(adminKubeConfig(), ref);
    if (!object) throw new Error('the object is missing');
    await deleteObject(ref);
    await expect.poll(() => readObject(ref)).toBeUndefined();

    const activities = createEngineActivities({ operator: lockerOperator(), kube: adminKubeConfig() });
    const call = {
      ref,
      object: {
        uid: object.metadata.uid,
        generation: 1,
        resourceVersion: object.metadata.resourceVersion ?? '',
      },
      purpose: 'reconcile' as const,
      step: 'ready',
      input: undefined,
      runNumber: 1,
      runStartedAt: new Date().toISOString(),
      fix: undefined,
    };
    const applied = await new MockActivityEnvironment().run(activities.applyStep, call);
    expect(applied).toEqual({ stale: 'the object was deleted or replaced during the run' });
  });

  it('says in the status when the plan of a run cannot be chosen', async () => {
    const { engine, ref } = await startScenario(lockerOperator(), 'exploding', { mode: 'plan-throws' });
    await expect
      .poll(async () => conditionOf(await readObject(ref), 'Reconciling'), { timeout: 20_000 })
      .toMatchObject({
        status: 'True',
        reason: 'PlanFailed',
        message: 'the plan could not be chosen: the plan exploded; will retry',
      });
    expect(conditionOf(await readObject(ref), 'Ready')?.status).toBe('False');
    await engine.stop();
  });
});
