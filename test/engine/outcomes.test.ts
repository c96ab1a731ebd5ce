import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { SEARCH_ATTRIBUTES } from '../../src/core/search-attributes.js';
import { describeQuery } from '../../src/workflows/contract.js';
import { conditionOf, installKind, patchSpec, readObject, startScenario } from '../support/engine.js';
import { historyEvents, localActivityMarkerOf, runsInHistory } from '../support/history.js';
import { adminKubeConfig } from '../support/kube.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('run outcomes', () => {
  beforeAll(() => installKind(Stack));

  it('waits at a step, then wakes on a spec change and converges', async () => {
    const { engine, ref } = await startScenario(stackOperator(), 'gated', {
      gate: 'closed',
      items: ['x'],
    });
    const waiting = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'waiting');
    expect(waiting).toMatchObject({ phase: 'Waiting', currentStep: 'gate' });
    await expect
      .poll(async () => conditionOf(await readObject(ref), 'Ready')?.message)
      .toBe('step gate: spec.gate is closed');

    await patchSpec(ref, { gate: 'open' });
    await engine.signal(ref, 'spec changed');
    const done = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(done.runNumber).toBe(2); // waiting, then converged by its own apply (ensure-x)
    expect(conditionOf(await readObject(ref), 'Ready')).toMatchObject({
      status: 'True',
      observedGeneration: 2,
    });
  });

  it('retries a transiently failing apply until it succeeds', async () => {
    const { engine, ref } = await startScenario(stackOperator(), 'flaky', {
      mode: 'flaky-apply',
      items: ['y'],
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const events = await historyEvents(engine.client, workflowIdFor(ref));
    // A local apply: one marker, recorded by its third attempt (the worker retried the first two in its task).
    const applies = events
      .map(localActivityMarkerOf)
      .filter((marker) => marker?.activity_type === 'apply ensure-y');
    expect(applies.map((marker) => marker?.attempt)).toEqual([3]);
    expect(conditionOf(await readObject(ref), 'Ready')).toMatchObject({ status: 'True' });
  });

  it('fails on a permanent error without retrying, says so in Stalled, and recovers once the spec is fixed', async () => {
    const { engine, ref } = await startScenario(stackOperator(), 'refused', {
      mode: 'permanent-error',
    });
    const failed = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'failed');
    expect(failed.lastRun?.outcome).toMatchObject({
      step: 'validate',
      permanent: true,
      errorType: 'Refused',
    });
    const object = await readObject(ref);
    expect(conditionOf(object, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'Refused',
      message: 'step validate: mode permanent-error is refused',
    });
    expect(object?.status?.phase).toBe('Failed');
    const runs = await runsInHistory(engine.client, workflowIdFor(ref));
    expect(runs.flatMap((r) => r.localActivities).filter((s) => s === 'check validate')).toHaveLength(1);

    await patchSpec(ref, { mode: 'normal' });
    await engine.signal(ref, 'spec fixed');
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(conditionOf(await readObject(ref), 'Stalled')?.status).toBe('False');
  });

  it('reports an invalid spec as a clear condition naming the field, and runs no step', async () => {
    const { engine, ref } = await startScenario(stackOperator(), 'invalid', {
      replicas: -2,
      items: ['z'],
    });
    const failed = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'failed');
    expect(failed.lastRun?.outcome).toMatchObject({ errorType: 'InvalidSpec', permanent: true });
    expect(failed.lastRun?.steps).toEqual([]);
    const ready = conditionOf(await readObject(ref), 'Ready');
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: 'spec.replicas: must not be negative',
    });
  });

  it('runs the cleanup plan on deletion, removes its finalizer, and ends when the object is gone', async () => {
    const { namespace, engine, ref, handle } = await startScenario(
      stackOperator({ cleanup: true }),
      'doomed',
      { items: ['p', 'q'] },
    );
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect((await readObject(ref))?.metadata.finalizers).toEqual(['engine.staircase.test/staircase-cleanup']);

    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const children = () =>
      core.listNamespacedConfigMap({ namespace, labelSelector: 'staircase.test/owner=doomed' });
    expect((await children()).items).toHaveLength(2);
    const { CustomObjectsApi } = await import('@kubernetes/client-node');
    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...ref, namespace });
    await engine.signal(ref, 'deleted');

    const report = await handle.result();
    expect(report?.outcome.kind).toBe('deleted');
    // The query and the phase search attribute of the ended loop agree.
    expect((await handle.query(describeQuery)).phase).toBe('Deleted');
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.phase)).toBe('Deleted');
    expect(await readObject(ref)).toBeUndefined();
    expect((await children()).items).toHaveLength(0);
    const runs = await runsInHistory(engine.client, workflowIdFor(ref));
    expect(runs.flatMap((r) => r.applies).slice(-2)).toEqual([
      expect.stringMatching(/^apply delete-children and confirm run \d+$/),
      expect.stringMatching(/^apply staircase:remove-finalizer and confirm run \d+$/),
    ]);
  });
});
