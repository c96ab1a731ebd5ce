import type { ProjectNames } from './names.js';

/** `src/operator.ts` of a new project: a kind, a three-step plan, a cleanup plan and dev samples. */
export function operatorSource(n: ProjectNames): string {
  return `/**
 * The ${n.kind} operator: every ${n.kind} keeps a ConfigMap with its message, records the ConfigMap's name in its
 * status, and can be held back with \`spec.hold\`. \`npm run dev\` runs it on local servers; \`npm test\` tests it on
 * real ones.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  childStep,
  type DevHooks,
  defineOperator,
  defineResourceKind,
  needsFix,
  type ObjectRef,
  passes,
  planFor,
  type ResourceOf,
  statusStep,
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

const configMapRef = (resource: ResourceOf<typeof ${n.kind}>): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: \`\${resource.metadata.name}-message\`,
});

// Step 1 keeps an owned child as declared. Its check compares a server-side apply dry run with the live ConfigMap,
// so only the fields stated here count; its apply applies them, with the ${n.kind} as owner, and puts back hand edits.
// The live ConfigMap passes on to the next step.
const configMap = childStep(${n.kind}, {
  name: 'configmap',
  desired: ({ resource }): V1ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configMapRef(resource).name },
    data: { message: resource.spec.message },
  }),
});

// Step 2: a status value others depend on gets a step of its own, which checks that it is there.
const recordConfigMap = statusStep(${n.kind}, {
  name: 'record-configmap',
  desired: ({ input }: { input: V1ConfigMap }) => ({ configMap: input.metadata?.name }),
});

// Step 3 has no apply, so it can never modify: it only waits.
const hold = stepFor(${n.kind})({
  name: 'hold',
  check: ({ resource }, configMap: V1ConfigMap) =>
    resource.spec.hold ? waitFor('spec.hold is true') : passes(configMap.metadata?.name),
});

// The cleanup plan runs while the ${n.kind} is being deleted, one change per run, before the finalizer goes. (The
// garbage collector would delete this owned ConfigMap anyway: the step stands for what lives outside the cluster.)
const deleteConfigMap = stepFor(${n.kind})({
  name: 'delete-configmap',
  // \`kube\` is a typed client: \`get\` answers undefined when the object is missing (a 403 fails the run).
  async check({ resource, kube }) {
    return (await kube.get(configMapRef(resource))) ? needsFix('the ConfigMap still exists') : passes();
  },
  // Idempotent, as every apply must be: Temporal may run it again after a crash.
  async apply({ resource, kube }) {
    const { name } = configMapRef(resource);
    const deleted = await kube.delete(configMapRef(resource));
    return { message: deleted ? \`deleted ConfigMap \${name}\` : \`ConfigMap \${name} was already gone\` };
  },
});

export default defineOperator({
  name: '${n.operator}',
  kind: ${n.kind},
  plan: () => planFor(${n.kind}).step(configMap).step(recordConfigMap).step(hold).build(),
  cleanup: () => planFor(${n.kind}).step(deleteConfigMap).build(),
  owns: [{ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }],
});

/** What \`staircase dev\` applies once everything runs. */
export const dev: DevHooks = {
  samples: [{ name: 'hello', spec: { message: 'Hello from ${n.kind} hello' } }],
};
`;
}
