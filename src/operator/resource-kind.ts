import type { V1CustomResourceDefinition, V1ObjectMeta } from '@kubernetes/client-node';
import type { z } from 'zod';
import type { ResourceRef } from '../core/resource-ref.js';
import type { EngineStatus } from '../core/status.js';
import { type JsonSchema, toStructuralSchema } from './crd-schema.js';

/** Options of {@link defineResourceKind}. */
export interface ResourceKindOptions<Spec extends z.ZodType, Status extends z.ZodType> {
  /** API group, e.g. `example.staircase.dev`. */
  readonly group: string;
  readonly version: string;
  /** CamelCase kind, e.g. `Website`. */
  readonly kind: string;
  /** Lower-case plural, e.g. `websites`. */
  readonly plural: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly spec: Spec;
  /** The operator's own status fields; the engine adds `observedGeneration`, `phase`, `currentStep`, `conditions`. */
  readonly status?: Status;
  readonly shortNames?: readonly string[];
}

/** A custom resource of a kind as the API server returns it, with a validated spec. */
export interface Resource<Spec, Status> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: V1ObjectMeta & { readonly name: string; readonly uid: string };
  readonly spec: Spec;
  readonly status?: Partial<Status> & Partial<EngineStatus>;
}

/** The result of {@link ResourceKind.parseSpec}. */
export type SpecParse<Spec> =
  | { readonly ok: true; readonly spec: Spec }
  | {
      readonly ok: false /** Names each offending field: `spec.replicas: Too small: expected >=1`. */;
      readonly message: string;
    };

/** A custom resource kind defined from zod schemas: types, validation and CRD in one place. */
export interface ResourceKind<Spec extends z.ZodType = z.ZodType, Status extends z.ZodType = z.ZodType>
  extends ResourceKindOptions<Spec, Status> {
  readonly apiVersion: string;
  /** Validates a raw `spec` (as read from the API server). Never throws. */
  parseSpec(raw: unknown): SpecParse<z.output<Spec>>;
  /** The reference of one object of this kind. */
  ref(name: string, namespace?: string): ResourceRef;
  /** The CustomResourceDefinition: schema from zod, status subresource, printer columns. */
  crd(): V1CustomResourceDefinition;
}

/** The validated spec type of a kind. */
export type SpecOf<K extends ResourceKind> = z.output<K['spec']>;
/** The operator-owned status type of a kind (empty when the kind declares none). */
export type StatusOf<K extends ResourceKind> = [NonNullable<K['status']>] extends [z.ZodNever]
  ? Record<never, never>
  : z.output<NonNullable<K['status']>>;
/** A resource of kind `K`. */
export type ResourceOf<K extends ResourceKind> = Resource<SpecOf<K>, StatusOf<K>>;

/**
 * Defines a custom resource kind from zod schemas.
 *
 * @throws {UnsupportedSchemaError} (from `crd()`) when a schema uses a construct a CRD cannot express.
 */
export function defineResourceKind<Spec extends z.ZodType, Status extends z.ZodType = z.ZodNever>(
  options: ResourceKindOptions<Spec, Status>,
): ResourceKind<Spec, Status> {
  const apiVersion = `${options.group}/${options.version}`;
  return {
    ...options,
    apiVersion,
    parseSpec: (raw) => parseSpec(options.spec, raw),
    ref: (name, namespace) => ({
      group: options.group,
      version: options.version,
      kind: options.kind,
      plural: options.plural,
      name,
      ...(options.scope === 'Namespaced' && namespace !== undefined ? { namespace } : {}),
    }),
    crd: () => crdFor(options),
  };
}

function parseSpec<Spec extends z.ZodType>(schema: Spec, raw: unknown): SpecParse<z.output<Spec>> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return { ok: true, spec: result.data };
  const message = result.error.issues
    .map((issue) => `${['spec', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
  return { ok: false, message };
}

const CONDITION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    observedGeneration: { type: 'integer', format: 'int64' },
  },
};

const ENGINE_STATUS_PROPERTIES: JsonSchema = {
  observedGeneration: { type: 'integer', format: 'int64' },
  phase: { type: 'string' },
  currentStep: { type: 'string' },
  conditions: {
    type: 'array',
    items: CONDITION_SCHEMA,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  },
};

function statusSchema(status: z.ZodType | undefined): JsonSchema {
  const own = status ? toStructuralSchema(status) : { type: 'object', properties: {} };
  const ownProperties = (own.properties ?? {}) as JsonSchema;
  const clash = Object.keys(ownProperties).find((key) => key in ENGINE_STATUS_PROPERTIES);
  if (clash) throw new Error(`status field "${clash}" is reserved for the engine`);
  return { ...own, required: undefined, properties: { ...ownProperties, ...ENGINE_STATUS_PROPERTIES } };
}

function crdFor(options: ResourceKindOptions<z.ZodType, z.ZodType>): V1CustomResourceDefinition {
  const singular = options.kind.toLowerCase();
  const status = JSON.parse(JSON.stringify(statusSchema(options.status))) as JsonSchema;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${options.plural}.${options.group}` },
    spec: {
      group: options.group,
      scope: options.scope,
      names: {
        plural: options.plural,
        singular,
        kind: options.kind,
        listKind: `${options.kind}List`,
        ...(options.shortNames ? { shortNames: [...options.shortNames] } : {}),
      },
      versions: [
        {
          name: options.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Step', type: 'string', jsonPath: '.status.currentStep' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: { spec: toStructuralSchema(options.spec), status },
            } as never,
          },
        },
      ],
    },
  };
}
