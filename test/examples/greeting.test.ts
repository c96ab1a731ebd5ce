import { CoreV1Api } from '@kubernetes/client-node';
import { type OperatorTest, startOperatorTest } from 'staircase-temporal/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import greeting, { type Greeting } from '../../examples/greeting/operator.js';

// Written as an operator author would: the testing kit runs the worker and the watcher on the test run's servers.
describe('the greeting example, tested with the testing kit', () => {
  let test: OperatorTest<typeof Greeting>;
  beforeAll(async () => {
    test = await startOperatorTest({ operator: greeting });
  });
  afterAll(() => test?.stop());

  it('writes the message to a ConfigMap, holds at the gate, and follows spec changes', async () => {
    const ref = await test.create('hello', { message: 'hello, world', ready: false });
    const waiting = await test.waitUntil(
      ref,
      'to wait at the gate',
      (d) => d.lastRun?.outcome.kind === 'waiting',
    );
    expect(waiting.currentStep).toBe('gate');
    const core = test.kube.makeApiClient(CoreV1Api);
    const configMap = () =>
      core.readNamespacedConfigMap({ namespace: test.namespace, name: 'hello-greeting' });
    expect((await configMap()).data?.message).toBe('hello, world');
    await test.waitForCondition(ref, 'Ready', 'False');

    await test.patchSpec(ref, { message: 'bonjour', ready: true });
    await test.waitForReady(ref);
    expect((await configMap()).data?.message).toBe('bonjour');
    expect((await test.get(ref))?.status).toMatchObject({ phase: 'Ready', configMap: 'hello-greeting' });
    const runs = await test.assertEngineGuarantees(ref);
    expect(runs.flatMap((run) => run.applies)).toEqual([
      'ensure-configmap',
      'record-configmap',
      'ensure-configmap',
    ]);
  });

  it('says what it was waiting for when a wait times out', async () => {
    const ref = await test.create('held', { message: 'hi', ready: false });
    const error = await test.waitForReady(ref, { timeoutMs: 8_000 }).catch((e: unknown) => e);
    expect(String(error)).toMatch(
      new RegExp(
        `Greeting ${test.namespace}/held to be Ready at generation 1: not reached after 8.0 s; last seen: .*waiting — spec.ready is false`,
      ),
    );
  });
});
