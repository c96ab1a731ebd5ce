/**
 * Two operators in one process: `Database` (a PostgreSQL Deployment, Service and admin Secret) and `DatabaseUser`
 * (a login whose credentials Secret follows its Database). A user refers to a Database by name; the user operator
 * watches Databases, so a Database becoming Ready re-runs the users that name it.
 *
 * `staircase dev --operator examples/database/operator.ts` runs both, with the samples below.
 */
import type { DevHooks } from 'staircase-temporal';
import { databaseOperator } from './database-operator.js';
import { DatabaseUser } from './kinds.js';
import { databaseUserOperator } from './user-operator.js';

export { Database, DatabaseUser } from './kinds.js';
export { databaseOperator, databaseUserOperator };

export default [databaseOperator, databaseUserOperator];

/** Samples for `staircase dev`: a Database and a user of it. */
export const dev: DevHooks = {
  samples: [
    { name: 'orders', spec: { version: '16' } },
    { kind: DatabaseUser, name: 'orders-app', spec: { database: 'orders', username: 'orders_app' } },
  ],
};
