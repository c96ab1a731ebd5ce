import type { RawResource } from './kube-objects.js';

/**
 * The objects runs started from, keyed by uid and resourceVersion, so the checks of a run see the object as it
 * was read at the run's start without reading it again. Bounded: the oldest entries go first.
 *
 * Caveats: per worker process. A step running on another worker (or after a restart) misses and reads afresh.
 */
export class SnapshotCache {
  readonly #entries = new Map<string, RawResource>();

  constructor(private readonly capacity = 1_000) {}

  /** Remembers `object` under its uid and resourceVersion. */
  put(object: RawResource): void {
    const key = keyOf(object.metadata.uid, object.metadata.resourceVersion ?? '');
    this.#entries.delete(key);
    this.#entries.set(key, object);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /** The object with this uid and resourceVersion, if remembered. */
  get(uid: string, resourceVersion: string): RawResource | undefined {
    return this.#entries.get(keyOf(uid, resourceVersion));
  }
}

function keyOf(uid: string, resourceVersion: string): string {
  return `${uid}@${resourceVersion}`;
}
