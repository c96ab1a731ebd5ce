/**
 * The smallest useful operator: a `Greeting` resource whose message is kept in a ConfigMap, with a gate the user
 * can close. The guide's tutorial (docs/guide/tutorial.md) writes this operator step by step.
 */
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import {
  defineOperator,
  defineResourceKind,
  needsFix,
  passes,
  planFor,
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

const step = stepFor(Greeting);

// 2. A step checks one fact and, when it does not hold, applies exactly one fix. Its output feeds the next step.
const ensureConfigMap = step({
  name: 'ensure-configmap',
  async check({ resource, kube }) {
    const name = `${resource.metadata.name}-greeting`;
    const namespace = resource.metadata.namespace ?? 'default';
    const found = await kube
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name, namespace })
      .catch(() => undefined);
    return found?.data?.message === resource.spec.message
      ? passes(name)
      : needsFix('the message is out of date', name);
  },
  async apply({ resource, kube }, _input, name: string) {
    const namespace = resource.metadata.namespace ?? 'default';
    const body: V1ConfigMap = {
      metadata: {
        name,
        ownerReferences: [
          {
            apiVersion: Greeting.apiVersion,
            kind: Greeting.kind,
            name: resource.metadata.name,
            uid: resource.metadata.uid,
            controller: true,
          },
        ],
      },
      data: { message: resource.spec.message },
    };
    const core = kube.makeApiClient(CoreV1Api);
    // Idempotent: Temporal may run an apply again after a crash, so create-or-replace.
    await core.createNamespacedConfigMap({ namespace, body }).catch(async (error: { code?: number }) => {
      if (error.code !== 409) throw error;
      await core.replaceNamespacedConfigMap({ name, namespace, body });
    });
    return { message: `wrote ConfigMap ${name}`, status: { configMap: name } };
  },
});

// A step without apply can never modify: here it only waits.
const gate = step({
  name: 'gate',
  check: ({ resource }, configMap: string) =>
    resource.spec.ready ? passes(configMap) : waitFor('spec.ready is false'),
});

// 3. The operator: the plan is chosen per run from the freshly read resource.
export default defineOperator({
  name: 'greeting',
  kind: Greeting,
  plan: () => planFor(Greeting).step(ensureConfigMap).step(gate).build(),
});
