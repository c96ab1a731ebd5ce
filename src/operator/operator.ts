import type { KubernetesObject } from '@kubernetes/client-node';
import { DEFAULT_LOOP_CONFIG, type LoopConfig } from '../core/loop.js';
import type { ResourceRef } from '../core/resource-ref.js';
import type { Plan } from './plan.js';
import type { PolicyRule } from './policy-rule.js';
import type { ResourceKind, ResourceOf } from './resource-kind.js';
import type { StepPolicy } from './step.js';

/** A kind the operator creates and owns (children carry an owner reference to the resource). */
export interface OwnedKind {
  /** `v1`, `apps/v1`, … */
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural used in API paths, e.g. `configmaps`. */
  readonly plural: string;
}

/**
 * Which resources a changed related object affects: each a name (of a resource of the operator's kind in the
 * object's namespace, or cluster-scoped), or a name and namespace (a full {@link ResourceRef} of the operator's kind
 * fits).
 */
export type RelatedTarget = string | Pick<ResourceRef, 'name' | 'namespace'>;

/** What {@link RelatedKind.map} gets besides the changed object. */
export interface RelatedMapContext<K extends ResourceKind> {
  /**
   * The operator's resources in the watcher's cache (its namespaces and label selector), with valid specs: how a
   * mapper finds the resources that refer to the object. Read-only and current as of this event.
   */
  readonly resources: readonly ResourceOf<K>[];
}

/**
 * A kind the operator's resources refer to but do not own (a Secret named in the spec, a ConfigMap shared by
 * many). The watcher watches it, and on each relevant change signals every resource `map` names.
 *
 * Guarantees: the same relevance filtering as for the primary kind (a change of only `resourceVersion` or
 * `managedFields`, and, unless the watcher reacts to them, of annotations, signals nothing) and the same
 * coalescing per resource. Caveats: `map` runs in the watcher on every event of the kind (every object at each
 * relist), so keep it pure and cheap; targets outside the watcher's cache (not existing, other namespaces, not
 * matching the label selector) are ignored; a throwing `map` is logged and skipped.
 */
export interface RelatedKind<K extends ResourceKind = ResourceKind> {
  /** `v1`, `apps/v1`, … */
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural used in API paths, e.g. `secrets`. */
  readonly plural: string;
  /** Default `Namespaced`: watched in the watcher's namespaces; `Cluster`: watched cluster-wide. */
  readonly scope?: 'Namespaced' | 'Cluster';
  /**
   * The resources a change of `object` affects; an empty list when none. `object` and the context's resources are
   * as the watcher keeps them: their `managedFields` entries carry no field sets (`fieldsV1`).
   */
  map(object: KubernetesObject, context: RelatedMapContext<K>): readonly RelatedTarget[];
}

/** Tunables of an operator; every one has a default. */
export interface OperatorOptions {
  /** Temporal task queue of this operator's workflows and activities; default `staircase-<name>`. */
  readonly taskQueue?: string;
  /** Control-loop timing and guards; see {@link LoopConfig}. */
  readonly loop?: Partial<LoopConfig>;
  /** Finalizer name; default `<group>/staircase-cleanup`. Used only when the operator has a cleanup plan. */
  readonly finalizer?: string;
  /**
   * Finalizers earlier versions of this operator put on its resources (after renaming `finalizer`). The engine
   * removes them, with the current one and the default name, from a deleting resource once its cleanup is done,
   * so that no resource stays Terminating under a name nobody removes. See the cleanup guide.
   */
  readonly formerFinalizers?: readonly string[];
  /** Default timeout and retry policy of every check and every apply, overridable per step. */
  readonly checkPolicy?: StepPolicy;
  readonly applyPolicy?: StepPolicy;
  /**
   * RBAC rules the worker needs beyond its kind, the owned kinds and Events (see `staircase rbac`). Scoped like the
   * operator's kind: with `staircase rbac --namespaces`, granted in those namespaces only (for a namespaced kind).
   */
  readonly extraRules?: readonly PolicyRule[];
  /**
   * RBAC rules the worker needs cluster-wide even when `staircase rbac --namespaces` narrows the rest: cluster-scoped
   * kinds (Nodes, Namespaces, ClusterRoles) or reads across all namespaces. Without `--namespaces` the same as
   * `extraRules`.
   */
  readonly extraClusterRules?: readonly PolicyRule[];
}

/**
 * Everything that makes one operator. A module's default export in `staircase --operator <module>` (or one element
 * of an array exported by default, for several operators in one process).
 */
export interface OperatorDefinition<K extends ResourceKind = ResourceKind> {
  /** Short name: lower-case letters, digits and dashes. */
  readonly name: string;
  readonly kind: K;
  /** The plan of a run, chosen from the freshly read resource. Must be pure. */
  plan(resource: ResourceOf<K>): Plan<K>;
  /**
   * The plan run while the resource is being deleted, one change per run, before the engine removes its
   * finalizer. Without it the engine adds no finalizer and deletion is immediate.
   */
  cleanup?(resource: ResourceOf<K>): Plan<K>;
  readonly owns?: readonly OwnedKind[];
  /** Related kinds whose changes re-run the resources that refer to them; see {@link RelatedKind}. */
  readonly watches?: readonly RelatedKind<K>[];
  readonly options?: OperatorOptions;
}

/** Options with every default filled in. */
export interface ResolvedOperatorOptions {
  readonly taskQueue: string;
  readonly loop: LoopConfig;
  readonly finalizer: string;
  /** `<group>/staircase-cleanup`, which the engine also owns when `finalizer` names another. */
  readonly defaultFinalizer: string;
  readonly formerFinalizers: readonly string[];
  readonly checkPolicy: StepPolicy;
  readonly applyPolicy: StepPolicy;
}

/**
 * Declares an operator. Checks the name at once so a typo fails at start-up, not at the first run.
 *
 * @throws {Error} when `name` is not lower-case letters, digits and dashes.
 */
export function defineOperator<K extends ResourceKind>(
  definition: OperatorDefinition<K>,
): OperatorDefinition<K> {
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(definition.name)) {
    throw new Error(`operator name "${definition.name}" must be lower-case letters, digits and dashes`);
  }
  return definition;
}

/** The field manager the operator's steps write with (`kube.apply`, `childStep`): `staircase-<name>`. */
export function fieldManagerOf(operator: Pick<OperatorDefinition, 'name'>): string {
  return `staircase-${operator.name}`;
}

/** The operator's options with defaults applied. */
export function resolveOptions(operator: OperatorDefinition): ResolvedOperatorOptions {
  const options = operator.options ?? {};
  const defaultFinalizer = `${operator.kind.group}/staircase-cleanup`;
  return {
    taskQueue: options.taskQueue ?? `staircase-${operator.name}`,
    loop: { ...DEFAULT_LOOP_CONFIG, ...options.loop },
    finalizer: options.finalizer ?? defaultFinalizer,
    defaultFinalizer,
    formerFinalizers: options.formerFinalizers ?? [],
    checkPolicy: options.checkPolicy ?? {},
    applyPolicy: options.applyPolicy ?? {},
  };
}

/**
 * Optional named export `dev` of an operator module, used by `staircase dev`: sample resources to apply, and local
 * services the operator talks to (say, a fake external API) to start first.
 */
export interface DevHooks {
  readonly samples: readonly {
    /** The sample's kind, one of the module's operators' kinds; default the module's first operator's kind. */
    readonly kind?: ResourceKind;
    readonly name: string;
    readonly namespace?: string;
    readonly spec: Record<string, unknown>;
  }[];
  startServices?(): Promise<{ readonly description: string; stop(): Promise<void> }>;
}
