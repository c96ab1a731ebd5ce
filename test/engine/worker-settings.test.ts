import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { passes } from '../../src/core/check-result.js';
import { defineOperator } from '../../src/operator/operator.js';
import { planFor, stepFor } from '../../src/operator/plan.js';
import { defineResourceKind, type ResourceKind } from '../../src/operator/resource-kind.js';
import { createResource, patchSpec, readObject, startEngine } from '../support/engine.js';
import { createTestNamespace } from '../support/kube.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

/** A kind served in two versions: the CRD says which one is stored, and whether v1 is still served. */
function shelfKind(version: 'v1' | 'v2'): ResourceKind {
  const kind = defineResourceKind({
    group: 'engine.staircase.test',
    version,
    kind: 'Shelf',
    plural: 'shelves',
    scope: 'Namespaced',
    spec: z.object({ label: z.string().default('') }),
  });
  const crd = (): V1CustomResourceDefinition => {
    const single = kind.crd();
    const [only] = single.spec.versions;
    if (!only) throw new Error('a kind has one version');
    const v1 = { ...only, name: 'v1', served: version === 'v1', storage: version === 'v1' };
    const v2 = { ...only, name: 'v2', served: true, storage: version === 'v2' };
    return { ...single, spec: { ...single.spec, versions: [v1, v2] } };
  };
  return { ...kind, crd };
}

function shelfOperator(kind: ResourceKind) {
  const look = stepFor(kind)({ name: 'look', check: () => passes() });
  return defineOperator({ name: 'shelf', kind, plan: () => planFor(kind).step(look).build() });
}

describe('settings from the worker', () => {
  it('takes loop timing from the worker at each run, not from the input the loop started with', async () => {
    const taskQueue = uniqueTaskQueue('settings');
    const namespace = await createTestNamespace();
    // The first worker backs off an hour after a permanent failure.
    const first = await startEngine(stackOperator(), { taskQueue });
    const ref = await createResource(Stack, namespace, 'tuned', { mode: 'permanent-error' });
    await first.signal(ref, 'created');
    await first.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'failed');
    first.worker.shutdown();
    // Its successor backs off half a second: the run after the next change already follows it.
    const second = await startEngine(stackOperator({ loop: { permanentFailureBackoffMs: 500 } }), {
      taskQueue,
    });
    await second.signal(ref, 'new settings');
    const later = await second.waitFor(ref, (d) => d.runNumber >= 4, 15_000);
    expect(later.lastRun?.outcome.kind).toBe('failed');
  });

  it('follows the kind to the API version the worker serves when the old one is no longer served', async () => {
    const taskQueue = uniqueTaskQueue('versions');
    const namespace = await createTestNamespace();
    const v1 = shelfKind('v1');
    const first = await startEngine(shelfOperator(v1), { taskQueue });
    const ref = await createResource(v1, namespace, 'moved', { label: 'one' });
    await first.signal(ref, 'created');
    await first.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    first.worker.shutdown();

    // The operator upgrade serves v2 only; the running loop still names v1 in its input.
    const v2 = shelfKind('v2');
    const second = await startEngine(shelfOperator(v2), { taskQueue });
    const current = v2.ref('moved', namespace);
    await patchSpec(current, { label: 'two' });
    const generation = (await readObject(current))?.metadata.generation;
    await second.signal(current, 'spec changed');
    const after = await second.waitFor(ref, (d) => d.runNumber >= 2, 15_000);
    expect(after.lastRun).toMatchObject({ outcome: { kind: 'converged' }, generation });
    expect(after.ref.version).toBe('v2');
  });
});
