import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import greeting, { Greeting } from '../../examples/greeting/operator.js';
import { conditionOf, installKind, patchSpec, readObject, startScenario } from '../support/engine.js';
import { adminKubeConfig } from '../support/kube.js';

describe('the greeting example from the README', () => {
  beforeAll(() => installKind(Greeting));

  it('writes the message to a ConfigMap, holds at the gate, and follows spec changes', async () => {
    const { namespace, engine, ref } = await startScenario(greeting, 'hello', {
      message: 'hello, world',
      ready: false,
    });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'waiting');
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const configMap = () => core.readNamespacedConfigMap({ namespace, name: 'hello-greeting' });
    expect((await configMap()).data?.message).toBe('hello, world');
    expect(conditionOf(await readObject(ref), 'Ready')?.message).toBe('step gate: spec.ready is false');

    await patchSpec(ref, { message: 'bonjour', ready: true });
    await engine.signal(ref, 'spec changed');
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect((await configMap()).data?.message).toBe('bonjour');
    expect((await readObject(ref))?.status).toMatchObject({ phase: 'Ready', configMap: 'hello-greeting' });
  });
});
