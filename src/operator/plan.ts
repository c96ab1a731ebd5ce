import { InvalidPlanError } from './errors.js';
import type { ResourceKind } from './resource-kind.js';
import type { AnyStep, CheckOnlyStep, Step } from './step.js';

/** Step names the engine uses for its own steps. */
export const RESERVED_STEP_PREFIX = 'staircase:';

/** One entry of a built plan. */
export type PlanItem<K extends ResourceKind> =
  | { readonly kind: 'step'; readonly step: AnyStep<K> }
  | {
      readonly kind: 'parallel';
      readonly name: string;
      readonly steps: Readonly<Record<string, AnyStep<K>>>;
    };

/** An ordered list of steps for one run. Build it with {@link planFor}. */
export interface Plan<K extends ResourceKind> {
  readonly items: readonly PlanItem<K>[];
}

type OutputsOf<K extends ResourceKind, In, G> = {
  [Name in keyof G]: G[Name] extends CheckOnlyStep<K, In, infer Out> ? Out : never;
};

/**
 * Builds a plan whose data flow the compiler checks: each step's input type is the previous step's output type.
 *
 * @example
 * planFor(Website).step(ensureConfigMap).step(ensureDeployment).build()
 */
export class PlanBuilder<K extends ResourceKind, Last> {
  private constructor(private readonly items: readonly PlanItem<K>[]) {}

  /** A new, empty plan for kind `K`; the first step's input is `undefined`. */
  static start<K extends ResourceKind>(): PlanBuilder<K, undefined> {
    return new PlanBuilder<K, undefined>([]);
  }

  /** Appends a step taking the previous step's output. */
  step<Out, Fix>(step: Step<K, Last, Out, Fix>): PlanBuilder<K, Out> {
    return new PlanBuilder<K, Out>([...this.items, { kind: 'step', step: step as AnyStep<K> }]);
  }

  /**
   * Appends a group of read-only checks that run side by side, each taking the previous output. The next step
   * gets an object with each check's output under its key. The group passes only when every check passes.
   */
  parallel<G extends Record<string, CheckOnlyStep<K, Last, unknown>>>(
    name: string,
    group: G,
  ): PlanBuilder<K, OutputsOf<K, Last, G>> {
    for (const step of Object.values(group)) {
      if ((step as { apply?: unknown }).apply)
        throw new InvalidPlanError(step.name, `has an apply but is in parallel group "${name}"`);
    }
    const steps = group as unknown as Record<string, AnyStep<K>>;
    return new PlanBuilder<K, OutputsOf<K, Last, G>>([...this.items, { kind: 'parallel', name, steps }]);
  }

  /**
   * The finished plan.
   *
   * @throws {InvalidPlanError} on duplicate or reserved step names.
   */
  build(): Plan<K> {
    const seen = new Set<string>();
    for (const name of this.items.flatMap(namesOf)) {
      if (name.startsWith(RESERVED_STEP_PREFIX))
        throw new InvalidPlanError(name, `the prefix "${RESERVED_STEP_PREFIX}" is reserved`);
      if (seen.has(name)) throw new InvalidPlanError(name, 'the name is used twice');
      seen.add(name);
    }
    return { items: this.items };
  }
}

function namesOf<K extends ResourceKind>(item: PlanItem<K>): string[] {
  return item.kind === 'step'
    ? [item.step.name]
    : [item.name, ...Object.values(item.steps).map((s) => s.name)];
}

/** Starts a plan for resources of `kind` (the argument only fixes the type). */
export function planFor<K extends ResourceKind>(_kind: K): PlanBuilder<K, undefined> {
  return PlanBuilder.start<K>();
}

/**
 * Declares steps of kind `K`, inferring input and output from `check` (the argument only fixes `K`). A step
 * without `apply` is typed as check-only, so it fits in a parallel group.
 */
export function stepFor<K extends ResourceKind>(_kind: K) {
  function define<In, Out>(step: CheckOnlyStep<K, In, Out>): CheckOnlyStep<K, In, Out>;
  function define<In, Out, Fix = unknown>(step: Step<K, In, Out, Fix>): Step<K, In, Out, Fix>;
  function define<T>(step: T): T {
    return step;
  }
  return define;
}
