import type { KubernetesObject } from '@kubernetes/client-node';
import { canonicalJson } from '../core/canonical-json.js';

/** Which metadata changes of the primary resource make its loop run. */
export interface RelevanceOptions {
  /** React to label changes (default true). */
  readonly labels: boolean;
  /** React to annotation changes (default false: tools write annotations often). */
  readonly annotations: boolean;
}

type Observed = KubernetesObject & { metadata?: { generation?: number; deletionTimestamp?: unknown } };

/**
 * Why an update of a primary resource matters, or `undefined` when it does not.
 *
 * Relevant: a new generation (spec change), a deletion timestamp, a finalizer change, and (configurable) label and
 * annotation changes. Not relevant: status, `resourceVersion` and `managedFields` — so the engine's own status writes
 * never trigger runs.
 */
export function relevantChange(
  before: Observed,
  after: Observed,
  options: RelevanceOptions,
): string | undefined {
  const a = before.metadata ?? {};
  const b = after.metadata ?? {};
  const differs = (x: unknown, y: unknown) => canonicalJson(x ?? null) !== canonicalJson(y ?? null);
  const checks: readonly [boolean, () => string][] = [
    [a.uid !== b.uid, () => 'replaced'],
    [a.generation !== b.generation, () => `generation ${a.generation ?? 0} → ${b.generation ?? 0}`],
    [!a.deletionTimestamp && Boolean(b.deletionTimestamp), () => 'deletion requested'],
    [differs(a.finalizers ?? [], b.finalizers ?? []), () => 'finalizers changed'],
    [options.labels && differs(a.labels ?? {}, b.labels ?? {}), () => 'labels changed'],
    [options.annotations && differs(a.annotations ?? {}, b.annotations ?? {}), () => 'annotations changed'],
  ];
  return checks.find(([changed]) => changed)?.[1]();
}
