import { CoreV1Api } from '@kubernetes/client-node';
import { type OperatorTest, startOperatorTest } from 'staircase-temporal/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, databaseOperator, databaseUserOperator } from '../../examples/database/operator.js';

// Two operators in one worker and one watcher, as `staircase worker --operator examples/database/operator.ts` runs them.
describe('the database example: two kinds, one referring to the other', () => {
  let test: OperatorTest<typeof Database>;
  beforeAll(async () => {
    test = await startOperatorTest({ operator: databaseOperator, alongside: [databaseUserOperator] });
  });
  afterAll(() => test?.stop());

  it('holds a user until its Database is Ready, then writes its credentials; the Database change alone wakes it', async () => {
    const users = test.of(databaseUserOperator);
    const user = await users.create('shop-app', { database: 'shop', username: 'shop_app' });
    const waiting = await users.waitUntil(
      user,
      'to wait for its Database',
      (d) => d.lastRun?.outcome.kind === 'waiting',
    );
    expect(waiting.lastRun?.outcome).toMatchObject({
      step: 'database-ready',
      reason: 'Database shop does not exist',
    });

    const db = await test.create('shop', { version: '16' });
    await test.waitForReady(db);
    expect((await test.get(db))?.status).toMatchObject({
      host: `shop.${test.namespace}.svc`,
      port: 5432,
      adminSecret: 'shop-admin',
    });
    // Nothing touched the user: only the watched Database's changes can have re-run it.
    await users.waitForReady(user);
    const secret = await test.kube
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 'shop-app-credentials', namespace: test.namespace });
    expect(Buffer.from(secret.data?.host ?? '', 'base64').toString()).toBe(`shop.${test.namespace}.svc:5432`);
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'DatabaseUser',
      name: 'shop-app',
      controller: true,
    });
    expect((await users.get(user))?.status).toMatchObject({ secret: 'shop-app-credentials', phase: 'Ready' });

    const userRuns = await users.assertEngineGuarantees(user);
    expect(userRuns.flatMap((run) => run.applies)).toEqual(['credentials', 'record-secret']);
    const dbRuns = await test.assertEngineGuarantees(db);
    expect(dbRuns.flatMap((run) => run.applies)).toEqual(['admin-secret', 'server', 'service', 'endpoint']);
  });

  it('keeps a user waiting, not failing, while its Database is missing, and leaves users of other Databases alone', async () => {
    const users = test.of(databaseUserOperator);
    const other = await users.create('other-app', { database: 'nowhere', username: 'other_app' });
    await users.waitUntil(other, 'to wait for its Database', (d) => d.lastRun?.outcome.kind === 'waiting');
    const before = (await users.runs(other)).length;
    const db = await test.create('elsewhere', { version: '16' });
    await test.waitForReady(db);
    const runs = await users.runs(other);
    expect(runs.length).toBe(before);
    expect(runs.at(-1)?.steps).toEqual([
      { name: 'database-ready', verdict: 'wait', reason: 'Database nowhere does not exist', applied: false },
    ]);
  });
});
