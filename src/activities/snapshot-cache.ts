import type { RawResource } from './kube-objects.js';

interface Entry {
  readonly object: RawResource;
  /** Values derived from this version of the object (its compiled plans), by key. */
  readonly derived: Map<string, unknown>;
}

/**
 * The objects runs started from, keyed by uid and resourceVersion, so the checks of a run see the object as it
 * was read at the run's start without reading it again, and what is derived from one version of an object (its
 * compiled plan) is computed once. Bounded: the least recently stored entries go first.
 *
 * Caveats: per worker process. A step running on another worker (or after a restart) misses and reads afresh.
 */
export class SnapshotCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly capacity = 1_000) {}

  /** Remembers `object` under its uid and resourceVersion (keeping what was derived from that version). */
  put(object: RawResource): void {
    const key = keyOf(object.metadata.uid, object.metadata.resourceVersion ?? '');
    const derived = this.#entries.get(key)?.derived ?? new Map<string, unknown>();
    this.#entries.delete(key);
    this.#entries.set(key, { object, derived });
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /** The object with this uid and resourceVersion, if remembered. */
  get(uid: string, resourceVersion: string): RawResource | undefined {
    return this.#entries.get(keyOf(uid, resourceVersion))?.object;
  }

  /**
   * What `compute` derives from this version of `object` under `key`, computed once per version (a throw is not
   * remembered). Guarantee: one object version, one value — so it must depend on nothing but the object.
   */
  derive<T>(object: RawResource, key: string, compute: () => T): T {
    const entryKey = keyOf(object.metadata.uid, object.metadata.resourceVersion ?? '');
    if (!this.#entries.has(entryKey)) this.put(object);
    const derived = this.#entries.get(entryKey)?.derived as Map<string, unknown>;
    if (derived.has(key)) return derived.get(key) as T;
    const value = compute();
    derived.set(key, value);
    return value;
  }
}

function keyOf(uid: string, resourceVersion: string): string {
  return `${uid}@${resourceVersion}`;
}
