import { DEFAULT_LOOP_CONFIG, type LoopConfig } from '../core/loop.js';
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

/** Tunables of an operator; every one has a default. */
export interface OperatorOptions {
  /** Temporal task queue of this operator's workflows and activities; default `staircase-<name>`. */
  readonly taskQueue?: string;
  /** Control-loop timing and guards; see {@link LoopConfig}. */
  readonly loop?: Partial<LoopConfig>;
  /** Finalizer name; default `<group>/staircase-cleanup`. Used only when the operator has a cleanup plan. */
  readonly finalizer?: string;
  /** Default timeout and retry policy of every check and every apply, overridable per step. */
  readonly checkPolicy?: StepPolicy;
  readonly applyPolicy?: StepPolicy;
  /** RBAC rules the worker needs beyond its kind, the owned kinds and Events (see `staircase rbac`). */
  readonly extraRules?: readonly PolicyRule[];
}

/** Everything that makes one operator. A module's default export in `staircase --operator <module>`. */
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
  readonly options?: OperatorOptions;
}

/** Options with every default filled in. */
export interface ResolvedOperatorOptions {
  readonly taskQueue: string;
  readonly loop: LoopConfig;
  readonly finalizer: string;
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

/** The operator's options with defaults applied. */
export function resolveOptions(operator: OperatorDefinition): ResolvedOperatorOptions {
  const options = operator.options ?? {};
  return {
    taskQueue: options.taskQueue ?? `staircase-${operator.name}`,
    loop: { ...DEFAULT_LOOP_CONFIG, ...options.loop },
    finalizer: options.finalizer ?? `${operator.kind.group}/staircase-cleanup`,
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
    readonly name: string;
    readonly namespace?: string;
    readonly spec: Record<string, unknown>;
  }[];
  startServices?(): Promise<{ readonly description: string; stop(): Promise<void> }>;
}
