import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import {
  childStep,
  defineOperator,
  defineResourceKind,
  passes,
  planFor,
  statusStep,
  stepFor,
} from 'staircase-temporal';
import { z } from 'zod';

/** A test kind whose children are declared with the helpers. */
export const App = defineResourceKind({
  group: 'authoring.staircase.test',
  version: 'v1',
  kind: 'App',
  plural: 'apps',
  scope: 'Namespaced',
  spec: z.object({
    image: z.string().default('nginx:1.27'),
    replicas: z.number().int().default(1),
    motto: z.string(),
  }),
  status: z.object({ deployment: z.string().optional() }),
});

const labels = (name: string) => ({ 'app.kubernetes.io/instance': name });

/** A Deployment with only a few fields stated: the API server defaults many more. */
const deployment = childStep(App, {
  name: 'deployment',
  desired: ({ resource }): V1Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: resource.metadata.name },
    spec: {
      replicas: resource.spec.replicas,
      selector: { matchLabels: labels(resource.metadata.name) },
      template: {
        metadata: { labels: labels(resource.metadata.name) },
        spec: { containers: [{ name: 'app', image: resource.spec.image }] },
      },
    },
  }),
});

const recordDeployment = statusStep(App, {
  name: 'record-deployment',
  desired: ({ input }: { input: V1Deployment }) => ({ deployment: input.metadata?.name }),
});

/** A ConfigMap child: `<name>-motto`, saying the spec's motto. */
export const motto = childStep(App, {
  name: 'motto',
  desired: ({ resource }): V1ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${resource.metadata.name}-motto` },
    data: { motto: resource.spec.motto },
  }),
});

/** Reads with the typed client: absent is undefined, anything else (a 403) fails the step. */
const settings = stepFor(App)({
  name: 'settings',
  async check({ kube, resource }) {
    const found = await kube.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: `${resource.metadata.name}-settings`,
    });
    return passes(found?.data ?? {});
  },
});

/** The App operator: settings, deployment, its name on status, and a ConfigMap. */
export const appOperator = defineOperator({
  name: 'app',
  kind: App,
  plan: () => planFor(App).step(settings).step(deployment).step(recordDeployment).step(motto).build(),
  owns: [
    { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
    { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  ],
  options: { loop: { minModifyDelayMs: 200 } },
});

/**
 * An App operator whose status step writes what the CRD refuses (a number where `deployment` is a string): the API
 * server answers 422, which no retry can heal.
 */
export const refusedStatusOperator = defineOperator({
  name: 'app-refused',
  kind: App,
  plan: () =>
    planFor(App)
      .step(
        statusStep(App, {
          name: 'record-number',
          desired: () => ({ deployment: 42 as unknown as string }),
        }),
      )
      .build(),
  options: { loop: { minModifyDelayMs: 200 } },
});
