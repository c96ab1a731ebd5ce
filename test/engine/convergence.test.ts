import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { assertEngineGuarantees, runsInHistory as readRuns } from '../../src/testing/history.js';
import { conditionOf, installKind, readObject, startScenario } from '../support/engine.js';
import { runsInHistory } from '../support/history.js';
import { adminKubeConfig } from '../support/kube.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('the reconcile loop', () => {
  beforeAll(() => installKind(Stack));

  it('converges a three-step plan in exactly three runs, one apply per run, the last confirming its own apply', async () => {
    const { namespace, engine, ref } = await startScenario(stackOperator(), 'three', {
      items: ['a', 'b', 'c'],
    });
    const description = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(description.runNumber).toBe(3);
    expect(description.lastRun?.outcome).toEqual({
      kind: 'converged',
      applied: { step: 'ensure-c', reason: 'created ConfigMap three-c' },
    });

    const runs = await runsInHistory(engine.client, workflowIdFor(ref));
    expect(runs.map((r) => r.applies)).toEqual([
      ['apply ensure-a and confirm run 1'],
      ['apply ensure-b and confirm run 2'],
      ['apply ensure-c and confirm run 3'],
    ]);
    const read = await readRuns(engine.client, workflowIdFor(ref));
    assertEngineGuarantees(workflowIdFor(ref), read);
    expect(read.map((r) => r.confirmed)).toEqual([false, false, true]);

    const object = await readObject(ref);
    expect(conditionOf(object, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Converged',
      observedGeneration: 1,
    });
    expect(object?.status).toMatchObject({ phase: 'Ready', observedGeneration: 1, lastApplied: 'c' });
    expect(object?.status?.currentStep).toBeUndefined();

    const events = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${object?.metadata.uid}` });
    expect(events.items.map((e) => `${e.reason}: ${e.message}`).sort()).toEqual([
      'StepApplied: step ensure-a: created ConfigMap three-a',
      'StepApplied: step ensure-b: created ConfigMap three-b',
      'StepApplied: step ensure-c: created ConfigMap three-c',
    ]);
  });

  it('is visible in Temporal: search attributes, activity labels and current details', async () => {
    const { namespace, engine, ref, handle } = await startScenario(stackOperator(), 'seen', { items: ['a'] });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');

    const query = `StaircaseKind = "Stack" AND StaircaseNamespace = "${namespace}" AND StaircasePhase = "Ready"`;
    await vi.waitFor(
      async () => {
        const found: string[] = [];
        for await (const execution of engine.client.workflow.list({ query }))
          found.push(execution.workflowId);
        expect(found).toEqual([workflowIdFor(ref)]);
      },
      { timeout: 15_000, interval: 200 },
    );
    const runs = await runsInHistory(engine.client, workflowIdFor(ref));
    expect(runs[0]).toEqual({
      // The apply's own confirming reads found it converged and recorded the run themselves.
      applies: ['apply ensure-a and confirm run 1'],
      localActivities: ['evaluate run 1'],
    });
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(
      // The resync interval (an hour here), less up to 10 % so that loops started together spread out.
      new RegExp(`^${namespace}/seen: run 1: converged; next run in (3[2-5]\\d\\d|3600) s`),
    );
  });

  it('runs a parallel group of read-only checks in one run and joins their outputs for the next step', async () => {
    const { namespace, engine, ref } = await startScenario(stackOperator(), 'par', {
      mode: 'parallel',
      replicas: 7,
    });
    const done = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(done.lastRun?.steps.map((s) => s.step)).toEqual(['both-sides', 'record-joined']);
    const runs = await runsInHistory(engine.client, workflowIdFor(ref));
    expect(runs[0]?.applies).toEqual(['apply record-joined and confirm run 1']);
    const [first] = await readRuns(engine.client, workflowIdFor(ref));
    expect(first?.steps.map((step) => `${step.name} ${step.verdict}`)).toEqual([
      'left passes',
      'right passes',
      'record-joined needs-fix',
    ]);
    const joined = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ namespace, name: 'par-joined' });
    expect(joined.data?.value).toBe('L7');
  });
});
