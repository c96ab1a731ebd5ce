import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ResourceRef } from '../../src/core/resource-ref.js';
import type { ResourceKind } from '../../src/operator/resource-kind.js';
import { type OperatorTest, startOperatorTest } from '../../src/testing/index.js';
import { testServers } from '../support/engine.js';
import { bellOperator, lampOperator } from './fixtures/fleet.js';

async function startFleet() {
  const lamps = await startOperatorTest({
    operator: lampOperator,
    alongside: [bellOperator],
    servers: testServers(),
  });
  onTestFinished(() => lamps.stop());
  return { lamps, bells: lamps.of(bellOperator) };
}

const token = (value: string) => ({ token: Buffer.from(value).toString('base64') });

async function putSecret(test: OperatorTest<ResourceKind>, name: string, value: string, annotations = {}) {
  const core = test.kube.makeApiClient(CoreV1Api);
  const body = { metadata: { name, annotations }, data: token(value) };
  try {
    await core.replaceNamespacedSecret({ namespace: test.namespace, name, body });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
    await core.createNamespacedSecret({ namespace: test.namespace, body });
  }
}

async function runNumber(test: OperatorTest<ResourceKind>, ref: ResourceRef): Promise<number> {
  return (await test.waitUntil(ref, 'to have run', () => true)).runNumber;
}

/** Waits until the loop converged again after run `after`. */
function convergedAfter(test: OperatorTest<ResourceKind>, ref: ResourceRef, after: number) {
  return test.waitUntil(
    ref,
    `to converge after run ${after}`,
    (d) => d.runNumber > after && d.lastRun?.outcome.kind === 'converged',
    { timeoutMs: 30_000 },
  );
}

describe('several operators in one process', () => {
  it('reconciles two operators in one worker process and one watcher independently: one failing or stuck operator does not hold up the other', async () => {
    const { lamps, bells } = await startFleet();
    // One informer per collection: Lamps, the Secrets Lamps watch, Bells.
    expect(lamps.watcher?.informers).toBe(3);
    expect(lamps.target.taskQueue).not.toBe(bells.target.taskQueue);
    expect(lamps.worker).not.toBe(bells.worker);
    const broken = await lamps.create('broken', { mode: 'fail' });
    const stuck = await lamps.create('stuck', { mode: 'stuck' });
    await lamps.waitUntil(stuck, 'to be applying', (d) => d.currentStep === 'record-token');
    const started = Date.now();
    const [first, second] = await Promise.all([
      bells.create('first', { tone: 'dong' }),
      bells.create('second', {}),
    ]);
    await bells.waitForReady(first, { timeoutMs: 20_000 });
    await bells.waitForReady(second, { timeoutMs: 20_000 });
    console.log(
      `[several operators] Bells Ready ${Date.now() - started} ms after creation, beside failing Lamps`,
    );
    expect((await bells.get(first))?.status?.rung).toBe('dong');
    expect((await bells.runs(first)).flatMap((run) => run.applies)).toEqual(['ring']);
    expect((await lamps.waitUntil(broken, 'to have run', () => true)).phase).not.toBe('Ready');
    expect((await lamps.waitUntil(stuck, 'to have run', () => true)).phase).not.toBe('Ready');

    await lamps.patchSpec(broken, { mode: 'ok' });
    await lamps.waitForReady(broken, { timeoutMs: 60_000 });
  });

  it('re-runs exactly the resources that refer to a changed Secret, and wakes one waiting for a Secret to exist', async () => {
    const { lamps } = await startFleet();
    await putSecret(lamps, 'shared', 'one');
    await putSecret(lamps, 'other', 'x');
    const [a, b, c, d, e] = await Promise.all([
      lamps.create('a', { secretName: 'shared' }),
      lamps.create('b', { secretName: 'shared' }),
      lamps.create('c', { secretName: 'other' }),
      lamps.create('d', {}),
      lamps.create('e', { secretName: 'later' }),
    ]);
    for (const ref of [a, b, c, d]) await lamps.waitForReady(ref);
    await lamps.waitUntil(e, 'to wait for its Secret', (x) => x.lastRun?.outcome.kind === 'waiting');
    expect((await lamps.get(a))?.status?.token).toBe('one');
    const before = new Map<ResourceRef, number>();
    for (const ref of [a, b, c, d, e]) before.set(ref, await runNumber(lamps, ref));

    await putSecret(lamps, 'shared', 'two');
    for (const ref of [a, b]) {
      await convergedAfter(lamps, ref, before.get(ref) ?? 0);
      expect((await lamps.get(ref))?.status?.token).toBe('two');
    }
    // An annotation-only change is not relevant; the others' loops did not run at all.
    await putSecret(lamps, 'other', 'x', { 'example.com/touched': 'yes' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const ref of [c, d, e]) expect(await runNumber(lamps, ref), ref.name).toBe(before.get(ref));
    // One run: it records the token and, reading everything again, has converged.
    expect(await runNumber(lamps, a)).toBe((before.get(a) ?? 0) + 1);

    await putSecret(lamps, 'later', 'at last');
    await convergedAfter(lamps, e, before.get(e) ?? 0);
    expect((await lamps.get(e))?.status?.token).toBe('at last');
    for (const ref of [a, b, c, d, e]) await lamps.assertEngineGuarantees(ref);
  });
});
