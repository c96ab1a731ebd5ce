import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { defineOperator, needsFix, passes, planFor, statusStep, stepFor, waitFor } from 'staircase-temporal';
import { Database, type DatabaseResource, DatabaseUser, type DatabaseUserResource } from './kinds.js';

const step = stepFor(DatabaseUser);
const secretName = (user: DatabaseUserResource) => `${user.metadata.name}-credentials`;

/** Where the user connects to, once its Database is Ready. */
interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** The Database this user names must exist and be Ready; a user waits for it, it does not fail. */
const databaseReady = step({
  name: 'database-ready',
  async check({ resource, kube }) {
    const name = resource.spec.database;
    const db = await kube.get<DatabaseResource>({
      apiVersion: Database.apiVersion,
      kind: Database.kind,
      name,
    });
    if (!db) return waitFor(`Database ${name} does not exist`);
    const { phase, host, port } = db.status ?? {};
    if (phase !== 'Ready' || !host || !port) return waitFor(`Database ${name} is not Ready`);
    return passes<Endpoint>({ host, port });
  },
});

/** The user's credentials: the password is made once; host and port follow the Database. */
const credentials = step({
  name: 'credentials',
  async check({ resource, kube }, endpoint: Endpoint) {
    const name = secretName(resource);
    const found = await kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', name });
    if (!found) return needsFix(`Secret ${name} is missing`, endpoint);
    const host = Buffer.from(found.data?.host ?? '', 'base64').toString();
    return host === `${endpoint.host}:${endpoint.port}`
      ? passes(name)
      : needsFix(`Secret ${name} names ${host}`, endpoint);
  },
  async apply({ resource, kube, fix }) {
    const name = secretName(resource);
    const found = await kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', name });
    const password = found?.data?.password
      ? Buffer.from(found.data.password, 'base64').toString()
      : randomBytes(18).toString('base64url');
    await kube.apply<V1Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      stringData: { username: resource.spec.username, password, host: `${fix.host}:${fix.port}` },
    });
    return { message: `${found ? 'updated' : 'created'} Secret ${name}` };
  },
});

const recordSecret = statusStep(DatabaseUser, {
  name: 'record-secret',
  desired: ({ input }: { input: string }) => ({ secret: input }),
});

/**
 * The DatabaseUser operator. It watches Databases, which it refers to but does not own: a Database's change (it
 * becomes Ready, its endpoint moves) re-runs exactly the users that name it.
 */
export const databaseUserOperator = defineOperator({
  name: 'database-user',
  kind: DatabaseUser,
  plan: () => planFor(DatabaseUser).step(databaseReady).step(credentials).step(recordSecret).build(),
  owns: [{ apiVersion: 'v1', kind: 'Secret', plural: 'secrets' }],
  watches: [
    {
      apiVersion: Database.apiVersion,
      kind: Database.kind,
      plural: Database.plural,
      // Users are looked up in the watcher's cache; each target is a user's name in the Database's namespace.
      map: (db, { resources }) =>
        resources
          .filter(
            (user) =>
              user.spec.database === db.metadata?.name && user.metadata.namespace === db.metadata?.namespace,
          )
          .map((user) => user.metadata.name),
    },
  ],
  options: {
    loop: { minModifyDelayMs: 200 },
    extraRules: [
      { apiGroups: [Database.group], resources: [Database.plural], verbs: ['get', 'list', 'watch'] },
    ],
  },
});
