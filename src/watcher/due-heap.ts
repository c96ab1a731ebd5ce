/** A key due at a time. */
export interface Due {
  readonly at: number;
  readonly key: string;
}

/**
 * A binary min-heap of keys by due time: push and pop in O(log n), the earliest in O(1). Keys may repeat (a key
 * rescheduled is pushed again); callers skip the stale ones when they pop.
 */
export class DueHeap {
  readonly #items: Due[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The earliest, or undefined when empty. */
  peek(): Due | undefined {
    return this.#items[0];
  }

  push(item: Due): void {
    const items = this.#items;
    items.push(item);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if ((items[parent] as Due).at <= item.at) break;
      items[child] = items[parent] as Due;
      child = parent;
    }
    items[child] = item;
  }

  /** Removes and returns the earliest, or undefined when empty. */
  pop(): Due | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as Due).at < (items[left] as Due).at ? right : left;
      if ((items[child] as Due).at >= last.at) break;
      items[parent] = items[child] as Due;
      parent = child;
    }
    items[parent] = last;
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }
}
