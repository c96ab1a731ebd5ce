import type { KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { childStep } from '../../src/operator/child-step.js';
import { defineOperator } from '../../src/operator/operator.js';
import { planFor } from '../../src/operator/plan.js';
import { defineResourceKind, type ResourceKind } from '../../src/operator/resource-kind.js';
import { statusStep } from '../../src/operator/status-step.js';
import { kubeRequest } from '../../src/runtime/kube-http.js';
import { installKind, startScenario } from '../support/engine.js';
import { adminKubeConfig } from '../support/kube.js';

// Kinds of this test alone, so that the API server's request counts of them are this test's.
const group = 'reads.staircase.test';
const Source = defineResourceKind({
  group,
  version: 'v1',
  kind: 'Source',
  plural: 'sources',
  scope: 'Namespaced',
  spec: z.object({ value: z.string() }),
  status: z.object({ mirror: z.string().optional() }),
});
const Mirror = defineResourceKind({
  group,
  version: 'v1',
  kind: 'Mirror',
  plural: 'mirrors',
  scope: 'Namespaced',
  spec: z.object({ value: z.string() }),
  status: z.object({}),
});

/** A child Mirror saying the Source's value, then its name on the Source's status: two applies, two runs. */
const sourceOperator = defineOperator({
  name: 'reads',
  kind: Source,
  plan: () =>
    planFor(Source)
      .step(
        childStep(Source, {
          name: 'mirror',
          desired: ({ resource }): KubernetesObject & { spec: { value: string } } => ({
            apiVersion: `${group}/v1`,
            kind: 'Mirror',
            metadata: { name: resource.metadata.name },
            spec: { value: resource.spec.value },
          }),
        }),
      )
      .step(
        statusStep(Source, {
          name: 'record-mirror',
          desired: ({ input }: { input: KubernetesObject }) => ({ mirror: input.metadata?.name }),
        }),
      )
      .build(),
  owns: [{ apiVersion: `${group}/v1`, kind: 'Mirror', plural: 'mirrors' }],
});

/** GET requests the API server has answered for `kind`'s objects (any status code), from its metrics. */
async function getsOf(kind: ResourceKind): Promise<number> {
  const metrics = await kubeRequest<string>(adminKubeConfig(), { method: 'GET', path: '/metrics' });
  const series = metrics
    .split('\n')
    .filter((line) => line.startsWith('apiserver_request_total{'))
    .filter((line) => line.includes(`resource="${kind.plural}"`) && line.includes(`group="${kind.group}"`))
    .filter((line) => line.includes('verb="GET"') && line.includes('subresource=""'));
  return series.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('the reads of a run', () => {
  beforeAll(async () => {
    await installKind(Source);
    await installKind(Mirror);
  });

  it('confirm an apply with what the API server answered its writes, not by reading the written objects again', async () => {
    const before = { sources: await getsOf(Source), mirrors: await getsOf(Mirror) };
    const { engine, ref } = await startScenario(sourceOperator, 'echo', { value: 'hi' });
    const done = await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    expect(done.runNumber).toBe(2);
    // The Source: read by run 1, and by its confirming reads (the Mirror's apply does not answer the Source); run
    // 2 starts from those, and its confirming reads take the Source as its status patch answered it.
    expect((await getsOf(Source)) - before.sources).toBe(2);
    // The Mirror: read by run 1 (not there yet), then only by run 2's confirming reads; run 1's take the answer
    // of its apply.
    expect((await getsOf(Mirror)) - before.mirrors).toBe(2);
  });
});
