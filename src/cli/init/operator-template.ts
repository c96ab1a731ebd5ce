import type { ProjectNames } from './names.js';

/** `src/operator.ts` of a new project: a kind, a two-step plan, a cleanup plan and dev samples. */
export function operatorSource(n: ProjectNames): string {
  return `/**
 * The ${n.kind} operator: every ${n.kind} keeps a ConfigMap with its message, and can be held back with
 * \`spec.hold\`. \`npm run dev\` runs it on local servers; \`npm test\` tests it on real ones.
 */
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import {
  type DevHooks,
  defineOperator,
  defineResourceKind,
  needsFix,
  passes,
  planFor,
  type ResourceOf,
  stepFor,
  waitFor,
} from 'staircase-temporal';
import { z } from 'zod';

// The kind: TypeScript types, validation and the CRD (\`npx staircase crd\`) come from one zod schema.
export const ${n.kind} = defineResourceKind({
  group: '${n.group}',
  version: 'v1alpha1',
  kind: '${n.kind}',
  plural: '${n.plural}',
  scope: 'Namespaced',
  spec: z.object({
    message: z.string().min(1).describe('what the ConfigMap says'),
    hold: z.boolean().default(false).describe('set to true to hold the ${n.kind} back'),
  }),
  status: z.object({ configMap: z.string().optional() }),
});

type ${n.kind}Resource = ResourceOf<typeof ${n.kind}>;
const step = stepFor(${n.kind});
const configMapName = (resource: ${n.kind}Resource) => \`\${resource.metadata.name}-message\`;
const namespaceOf = (resource: ${n.kind}Resource) => resource.metadata.namespace ?? 'default';

/** The ConfigMap, or undefined when it does not exist. Any other error (say, a 403) fails the step. */
async function readConfigMap(kube: KubeConfig, namespace: string, name: string) {
  try {
    return await kube.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace });
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

// Step 1 checks one fact ("the ConfigMap holds the message") and, when it does not hold, applies one fix.
const configMap = step({
  name: 'configmap',
  async check({ resource, kube }) {
    const name = configMapName(resource);
    const found = await readConfigMap(kube, namespaceOf(resource), name);
    if (found?.data?.message === resource.spec.message) return passes(name);
    return needsFix(found ? 'the message is out of date' : 'the ConfigMap is missing', name);
  },
  // Idempotent: Temporal may run an apply again after a crash, so create, or replace what is there.
  async apply({ resource, kube }, _input, name: string) {
    const namespace = namespaceOf(resource);
    const body: V1ConfigMap = {
      metadata: {
        name,
        ownerReferences: [
          {
            apiVersion: ${n.kind}.apiVersion,
            kind: ${n.kind}.kind,
            name: resource.metadata.name,
            uid: resource.metadata.uid,
            controller: true,
          },
        ],
      },
      data: { message: resource.spec.message },
    };
    const core = kube.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace, body }).catch(async (error: { code?: number }) => {
      if (error.code !== 409) throw error;
      await core.replaceNamespacedConfigMap({ name, namespace, body });
    });
    return { message: \`wrote ConfigMap \${name}\`, status: { configMap: name } };
  },
});

// Step 2 has no apply, so it can never modify: it only waits.
const hold = step({
  name: 'hold',
  check: ({ resource }, name: string) => (resource.spec.hold ? waitFor('spec.hold is true') : passes(name)),
});

// The cleanup plan runs while the ${n.kind} is being deleted, one change per run, before the finalizer goes.
const deleteConfigMap = step({
  name: 'delete-configmap',
  async check({ resource, kube }) {
    const found = await readConfigMap(kube, namespaceOf(resource), configMapName(resource));
    return found ? needsFix('the ConfigMap still exists') : passes();
  },
  async apply({ resource, kube }) {
    const name = configMapName(resource);
    await kube
      .makeApiClient(CoreV1Api)
      .deleteNamespacedConfigMap({ name, namespace: namespaceOf(resource) })
      .catch((error: { code?: number }) => {
        if (error.code !== 404) throw error;
      });
    return { message: \`deleted ConfigMap \${name}\` };
  },
});

export default defineOperator({
  name: '${n.operator}',
  kind: ${n.kind},
  plan: () => planFor(${n.kind}).step(configMap).step(hold).build(),
  cleanup: () => planFor(${n.kind}).step(deleteConfigMap).build(),
  owns: [{ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }],
});

/** What \`staircase dev\` applies once everything runs. */
export const dev: DevHooks = {
  samples: [{ name: 'hello', spec: { message: 'Hello from ${n.kind} hello' } }],
};
`;
}
