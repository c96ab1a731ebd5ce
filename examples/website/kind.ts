import { defineResourceKind, type ResourceOf } from 'staircase-temporal';
import { z } from 'zod';

/** A static website: content served by nginx, reachable under a DNS name at an external provider. */
export const Website = defineResourceKind({
  group: 'example.staircase.dev',
  version: 'v1alpha1',
  kind: 'Website',
  plural: 'websites',
  scope: 'Namespaced',
  shortNames: ['site'],
  spec: z.object({
    image: z.string().min(1).default('nginx:1.27').describe('web server image'),
    replicas: z.number().int().min(1).max(10).default(2),
    content: z.string().min(1).describe('the index.html to serve'),
    hostname: z
      .string()
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'must be a DNS name such as blog.example.com')
      .describe('DNS name registered at the provider'),
  }),
  status: z.object({
    url: z.string().optional(),
    dnsRecordId: z.string().optional(),
  }),
});

/** A Website as the steps see it. */
export type WebsiteResource = ResourceOf<typeof Website>;
