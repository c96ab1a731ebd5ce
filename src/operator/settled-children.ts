import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { canonicalJson } from '../core/canonical-json.js';

/** How many children one child step remembers (≈200 bytes each); the oldest is forgotten first. */
const SETTLED_CHILDREN_LIMIT = 10_000;

/**
 * The children a {@link childStep} has seen settled, in this process: the child at a resourceVersion was the desired
 * object applied — the answer of its own apply, or a dry run that changed nothing. Until the child or the desired
 * object changes, another dry run would say the same, so a check can skip it.
 *
 * Guarantees: any write to the child (by anyone) gives it a new resourceVersion and so a fresh dry run; another
 * desired object has another fingerprint. Bounded: at most `limit` children, least recently used forgotten first.
 * Caveats: in memory only, per worker process. A change on the API server that alters what a dry run returns
 * without touching the child (a new default in the child's CRD, a mutating webhook) is seen once the child changes
 * or the worker restarts. The memory belongs to the step object: a `childStep` made inside `plan` (one per list
 * item, say) remembers only as long as the worker keeps that plan (per object version).
 */
export class SettledChildren {
  readonly #versions = new Map<string, string>();

  constructor(private readonly limit = SETTLED_CHILDREN_LIMIT) {}

  /** True when `live` is the version remembered under `key` (see {@link settledKeyOf}). */
  has(key: string, live: KubernetesObject): boolean {
    const version = this.#versions.get(key);
    if (version === undefined || version !== live.metadata?.resourceVersion) return false;
    this.#touch(key, version);
    return true;
  }

  /** Remembers `live` as the desired object of `key` applied; a child without a resourceVersion is not remembered. */
  remember(key: string, live: KubernetesObject): void {
    const version = live.metadata?.resourceVersion;
    if (!version) return;
    this.#touch(key, version);
    if (this.#versions.size > this.limit) this.#versions.delete(this.#versions.keys().next().value as string);
  }

  /** Sets `key` as the most recently used. */
  #touch(key: string, version: string): void {
    this.#versions.delete(key);
    this.#versions.set(key, version);
  }
}

/**
 * What {@link SettledChildren} files a child under: the owner's uid (one resource, one cluster) and a fingerprint of
 * the desired object (its name included). Computed once per check: it hashes the desired object.
 */
export function settledKeyOf(owner: KubernetesObject, desired: KubernetesObject): string {
  const fingerprint = createHash('sha256').update(canonicalJson(desired)).digest('base64url');
  return `${owner.metadata?.uid ?? ''}/${fingerprint}`;
}
