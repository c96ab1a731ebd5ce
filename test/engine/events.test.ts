import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { reconcileNowUpdate } from '../../src/workflows/contract.js';
import { installKind, readObject, startScenario } from '../support/engine.js';
import { adminKubeConfig } from '../support/kube.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('Kubernetes Events of a resource', () => {
  beforeAll(() => installKind(Stack));

  it('are aggregated: a failure repeated run after run is one Event whose count grows', async () => {
    const { namespace, engine, ref, handle } = await startScenario(stackOperator(), 'repeats', {
      mode: 'permanent-error',
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'failed');
    for (let i = 0; i < 3; i += 1)
      expect((await handle.executeUpdate(reconcileNowUpdate)).outcome.kind).toBe('failed');

    const uid = (await readObject(ref))?.metadata.uid;
    const events = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${uid}` });
    const refused = events.items.filter((e) => e.reason === 'Refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      type: 'Warning',
      count: 4,
      message: 'step validate: mode permanent-error is refused',
    });
  });
});
