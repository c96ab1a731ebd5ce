import { defineResourceKind, type ResourceOf } from 'staircase-temporal';
import { z } from 'zod';

/** A PostgreSQL server for one application: a Deployment, a Service and an admin Secret. */
export const Database = defineResourceKind({
  group: 'example.staircase.dev',
  version: 'v1alpha1',
  kind: 'Database',
  plural: 'databases',
  scope: 'Namespaced',
  shortNames: ['db'],
  spec: z.object({
    version: z
      .string()
      .regex(/^\d+$/, 'a major version such as 16')
      .default('16')
      .describe('PostgreSQL major'),
    replicas: z.number().int().min(1).max(3).default(1),
  }),
  status: z.object({
    host: z.string().optional(),
    port: z.number().int().optional(),
    adminSecret: z.string().optional(),
  }),
});

/** A login on a Database, named by the Database's name in the same namespace. */
export const DatabaseUser = defineResourceKind({
  group: 'example.staircase.dev',
  version: 'v1alpha1',
  kind: 'DatabaseUser',
  plural: 'databaseusers',
  scope: 'Namespaced',
  spec: z.object({
    database: z.string().min(1).describe('name of the Database in this namespace'),
    username: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a PostgreSQL role name such as app_reader'),
  }),
  status: z.object({ secret: z.string().optional() }),
});

export type DatabaseResource = ResourceOf<typeof Database>;
export type DatabaseUserResource = ResourceOf<typeof DatabaseUser>;
