/**
 * The smallest useful operator: a `Greeting` resource whose message is kept in a ConfigMap, with a gate the user
 * can close. The guide's tutorial (docs/guide/tutorial.md) writes this operator step by step.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  childStep,
  defineOperator,
  defineResourceKind,
  passes,
  planFor,
  statusStep,
  stepFor,
  waitFor,
} from 'staircase-temporal';
import { z } from 'zod';

// 1. The kind: TypeScript types, runtime validation and the CRD come from one zod schema.
export const Greeting = defineResourceKind({
  group: 'example.staircase.dev',
  version: 'v1alpha1',
  kind: 'Greeting',
  plural: 'greetings',
  scope: 'Namespaced',
  spec: z.object({
    message: z.string().min(1).describe('what the ConfigMap should say'),
    ready: z.boolean().default(true).describe('set to false to hold the greeting back'),
  }),
  status: z.object({ configMap: z.string().optional() }),
});

// 2. An owned child, declared as data: the step checks the live ConfigMap against it and applies it when they
// differ (server-side apply, owner reference set for you), then passes the live ConfigMap on.
const ensureConfigMap = childStep(Greeting, {
  name: 'ensure-configmap',
  desired: ({ resource }): V1ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${resource.metadata.name}-greeting` },
    data: { message: resource.spec.message },
  }),
});

// 3. Status the rest of the plan may rely on gets a step of its own.
const recordConfigMap = statusStep(Greeting, {
  name: 'record-configmap',
  desired: ({ input }: { input: V1ConfigMap }) => ({ configMap: input.metadata?.name }),
});

// 4. A step without apply can never modify: here it only waits.
const gate = stepFor(Greeting)({
  name: 'gate',
  check: ({ resource }, configMap: V1ConfigMap) =>
    resource.spec.ready ? passes(configMap.metadata?.name) : waitFor('spec.ready is false'),
});

// 5. The operator: the plan is chosen per run from the freshly read resource.
export default defineOperator({
  name: 'greeting',
  kind: Greeting,
  plan: () => planFor(Greeting).step(ensureConfigMap).step(recordConfigMap).step(gate).build(),
  owns: [{ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }],
});
