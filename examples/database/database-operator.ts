import { randomBytes } from 'node:crypto';
import type { V1Deployment, V1Secret, V1Service } from '@kubernetes/client-node';
import {
  childStep,
  defineOperator,
  needsFix,
  passes,
  planFor,
  statusStep,
  stepFor,
  waitFor,
} from 'staircase-temporal';
import { Database, type DatabaseResource } from './kinds.js';

const step = stepFor(Database);
const labels = (db: DatabaseResource) => ({
  'app.kubernetes.io/name': 'postgres',
  'app.kubernetes.io/instance': db.metadata.name,
});
const adminSecretName = (db: DatabaseResource) => `${db.metadata.name}-admin`;

/**
 * The admin password is made once and never changed: an existence check, not a desired object (a desired object
 * must be the same on every run, and a password made anew each time would not be).
 */
const adminSecret = step({
  name: 'admin-secret',
  async check({ resource, kube }) {
    const name = adminSecretName(resource);
    const found = await kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', name });
    return found ? passes() : needsFix(`Secret ${name} is missing`);
  },
  async apply({ resource, kube }) {
    const name = adminSecretName(resource);
    // A retried apply finds the Secret the first attempt made: keep its password.
    if (await kube.get({ apiVersion: 'v1', kind: 'Secret', name }))
      return { message: `Secret ${name} exists` };
    const password = randomBytes(18).toString('base64url');
    await kube.apply<V1Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      stringData: { username: 'postgres', password },
    });
    return { message: `created Secret ${name}` };
  },
});

const server = childStep(Database, {
  name: 'server',
  desired: ({ resource }): V1Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: resource.metadata.name, labels: labels(resource) },
    spec: {
      replicas: resource.spec.replicas,
      selector: { matchLabels: labels(resource) },
      template: {
        metadata: { labels: labels(resource) },
        spec: {
          containers: [
            {
              name: 'postgres',
              image: `postgres:${resource.spec.version}`,
              ports: [{ containerPort: 5432 }],
              env: [
                {
                  name: 'POSTGRES_PASSWORD',
                  valueFrom: { secretKeyRef: { name: adminSecretName(resource), key: 'password' } },
                },
              ],
            },
          ],
        },
      },
    },
  }),
});

const service = childStep(Database, {
  name: 'service',
  desired: ({ resource }): V1Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: resource.metadata.name, labels: labels(resource) },
    spec: { selector: labels(resource), ports: [{ port: 5432, targetPort: 5432 }] },
  }),
});

/** Users read the endpoint from the Database's status: a status the logic depends on gets its own step. */
const endpoint = statusStep(Database, {
  name: 'endpoint',
  desired: ({ resource }) => ({
    host: `${resource.metadata.name}.${resource.metadata.namespace}.svc`,
    port: 5432,
    adminSecret: adminSecretName(resource),
  }),
});

const available = step({
  name: 'available',
  async check({ resource, kube }) {
    const deployment = await kube.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: resource.metadata.name,
    });
    const ready = deployment?.status?.availableReplicas ?? 0;
    return ready >= resource.spec.replicas
      ? passes()
      : waitFor(`${ready} of ${resource.spec.replicas} replicas available`, 30_000);
  },
});

/** The Database operator. */
export const databaseOperator = defineOperator({
  name: 'database',
  kind: Database,
  plan: () =>
    planFor(Database).step(adminSecret).step(server).step(service).step(endpoint).step(available).build(),
  owns: [
    { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
    { apiVersion: 'v1', kind: 'Service', plural: 'services' },
    { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  ],
  options: { loop: { minModifyDelayMs: 200 } },
});
