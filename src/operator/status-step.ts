import { canonicalJson } from '../core/canonical-json.js';
import { needsFix, passes } from '../core/check-result.js';
import type { ResourceKind, ResourceOf, StatusOf } from './resource-kind.js';
import type { Step, StepPolicy } from './step.js';

/** Options of {@link statusStep}. */
export interface StatusStepOptions<K extends ResourceKind, In> {
  readonly name: string;
  /** The operator status fields the next steps depend on, from the resource and this step's input. Must be pure. */
  desired(args: { readonly resource: ResourceOf<K>; readonly input: In }): Partial<StatusOf<K>>;
  readonly applyPolicy?: StepPolicy;
}

/**
 * A step that writes status fields the rest of the plan depends on — the rule of a step-based operator: a status
 * value the logic reads gets its own step, unlike the best-effort `status` an apply may return. Its input passes
 * on unchanged.
 *
 * Guarantees: the check compares only the fields `desired` names; the apply merges them into the status with the
 * resource's uid as a guard, never touching the engine's `phase`, `conditions`, `observedGeneration` or
 * `currentStep`, nor fields it does not name.
 */
export function statusStep<K extends ResourceKind, In = unknown>(
  _kind: K,
  options: StatusStepOptions<K, In>,
): Step<K, In, In, Partial<StatusOf<K>>> {
  return {
    name: options.name,
    check({ resource }, input) {
      const desired = options.desired({ resource, input });
      const current = (resource.status ?? {}) as Record<string, unknown>;
      const stale = Object.entries(desired).filter(
        ([key, value]) => canonicalJson(current[key]) !== canonicalJson(value),
      );
      if (stale.length === 0) return passes(input);
      return needsFix(`status ${stale.map(([key]) => key).join(', ')} out of date`, desired);
    },
    async apply({ kube, fix }) {
      await kube.patchStatus(fix);
      return { message: `recorded status ${Object.keys(fix).join(', ')}` };
    },
    ...(options.applyPolicy ? { applyPolicy: options.applyPolicy } : {}),
  };
}
