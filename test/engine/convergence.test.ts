import { beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { conditionOf, createResource, installKind, readObject, startEngine } from '../support/engine.js';
import { runsInHistory } from '../support/history.js';
import { createTestNamespace } from '../support/kube.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('the reconcile loop', () => {
  beforeAll(() => installKind(Stack));

  it('converges a three-step plan in exactly three modifying runs and one converging run, one apply per run', async () => {
    const namespace = await createTestNamespace();
    const engine = await startEngine(stackOperator());
    const ref = await createResource(Stack, namespace, 'three', { items: ['a', 'b', 'c'] });
    await engine.signal(ref, 'created');
    const description = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(description.runNumber).toBe(4);

    const runs = await runsInHistory(engine.client, workflowIdFor(ref));
    expect(runs.map((r) => r.applies)).toEqual([
      ['apply ensure-a'],
      ['apply ensure-b'],
      ['apply ensure-c'],
      [],
    ]);

    const object = await readObject(ref);
    expect(conditionOf(object, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Converged',
      observedGeneration: 1,
    });
    expect(object?.status).toMatchObject({ phase: 'Ready', observedGeneration: 1, lastApplied: 'c' });
    expect(object?.status?.currentStep).toBeUndefined();
  });
});
