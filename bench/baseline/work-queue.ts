/**
 * A work queue as client-go has it: a key is queued at most once, never processed by two workers at once, and a key
 * added while it is being processed runs again afterwards.
 */
export class WorkQueue {
  readonly #queued = new Set<string>();
  readonly #order: string[] = [];
  readonly #active = new Set<string>();
  readonly #dirty = new Set<string>();
  #wake: (() => void) | undefined;
  #stopped = false;

  add(key: string): void {
    if (this.#active.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#order.push(key);
    this.#wake?.();
  }

  /** Queues `key` again after `ms` (a failed reconcile's retry). */
  addAfter(key: string, ms: number): void {
    setTimeout(() => this.add(key), ms).unref();
  }

  /** Runs `reconcile` on queued keys with `workers` concurrent workers until {@link stop}. */
  run(workers: number, reconcile: (key: string) => Promise<void>): Promise<void> {
    const worker = async () => {
      while (!this.#stopped) {
        const key = this.#order.shift();
        if (key === undefined) {
          await new Promise<void>((resolve) => {
            const previous = this.#wake;
            this.#wake = () => {
              this.#wake = undefined;
              previous?.();
              resolve();
            };
          });
          continue;
        }
        this.#queued.delete(key);
        this.#active.add(key);
        try {
          await reconcile(key);
        } finally {
          this.#active.delete(key);
          if (this.#dirty.delete(key)) this.add(key);
        }
      }
    };
    return Promise.all(Array.from({ length: workers }, worker)).then(() => undefined);
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }
}
