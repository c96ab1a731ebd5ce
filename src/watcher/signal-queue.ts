import { backoffDelay } from '../core/backoff.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { workflowIdFor } from '../core/resource-ref.js';
import { type Due, DueHeap } from './due-heap.js';

/** Delivers one change signal to a resource's loop (in production: `signalWithStart` on Temporal). */
export interface SignalSender {
  send(ref: ResourceRef, reason: string): Promise<void>;
}

/** Options of {@link SignalQueue}. */
export interface SignalQueueOptions {
  readonly sender: SignalSender;
  /**
   * Changes to one resource within this window become one signal. A resource's first change is signalled at once
   * (leading edge); only changes that follow a signal within the window wait for its end.
   */
  readonly debounceMs: number;
  /** Signals in flight at once, across resources. */
  readonly maxInFlight: number;
  /** Signals started per second at most (bursts after a relist are spread out). */
  readonly maxPerSecond: number;
  /** Backoff after a failed delivery: first delay, doubled per failure up to the maximum. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** Only the leader signals; when this says no, changes are dropped (a new leader resyncs everything). */
  readonly isLeader: () => boolean;
  readonly onDelivered?: (ref: ResourceRef) => void;
  readonly onFailed?: (ref: ResourceRef, error: unknown) => void;
}

interface Pending {
  readonly ref: ResourceRef;
  reasons: string[];
  dueAt: number;
  failures: number;
  inFlight: boolean;
  /** A change arrived while its signal was in flight: send again afterwards. */
  dirty: boolean;
}

const MAX_REASONS = 5;

/**
 * Coalesces changes into signals, one resource at a time.
 *
 * Guarantees: the latest change of every resource is delivered (retried with backoff while Temporal is
 * unavailable) unless leadership is lost; at most one signal per resource is in flight; memory grows with the number
 * of resources with pending changes, never with the number of changes.
 * Each change, delivery and timer costs O(log n) in the resources pending, so a burst of n new resources is
 * O(n log n) (it was O(n²): every delivery scanned everything pending).
 * Caveats: delivery order across resources is not preserved.
 */
export class SignalQueue {
  readonly #pending = new Map<string, Pending>();
  /** Resources due now and not in flight, in the order they became due. */
  readonly #due = new Set<string>();
  /** Resources due later, by due time (stale entries — rescheduled, sent or dropped — are skipped when popped). */
  readonly #later = new DueHeap();
  /** When each recently signalled resource was signalled; entries older than the debounce window are pruned. */
  readonly #recent = new Map<string, number>();
  #prunedAt = Date.now();
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires. */
  #timerAt = 0;
  #tokens: number;
  #tokensAt = Date.now();
  #closed = false;

  constructor(private readonly options: SignalQueueOptions) {
    this.#tokens = options.maxPerSecond;
  }

  /** Number of resources with a change not yet delivered. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Records a change to `ref`: signalled at once when the resource was not signalled within the debounce window,
   * else at the window's end. Dropped when not the leader.
   */
  enqueue(ref: ResourceRef, reason: string): void {
    if (this.#closed || !this.options.isLeader()) return;
    const key = workflowIdFor(ref);
    const entry = this.#pending.get(key);
    if (entry) {
      if (entry.reasons.length < MAX_REASONS && !entry.reasons.includes(reason)) entry.reasons.push(reason);
      if (entry.inFlight) entry.dirty = true;
      return;
    }
    const now = Date.now();
    this.#pruneRecent(now);
    const dueAt = signalDueAt(this.#recent.get(key), now, this.options.debounceMs);
    const fresh = { ref, reasons: [reason], dueAt, failures: 0, inFlight: false, dirty: false };
    this.#pending.set(key, fresh);
    this.#queue(key, fresh, now);
    if (dueAt <= now) this.#pump();
    else this.#schedule();
  }

  /**
   * Delivers everything pending now, ignoring the debounce window, and waits until done or `deadlineMs` passed.
   * Resolves with the number of resources still pending.
   */
  async flush(deadlineMs: number): Promise<number> {
    const deadline = Date.now() + deadlineMs;
    const now = Date.now();
    for (const [key, entry] of this.#pending) {
      entry.dueAt = Math.min(entry.dueAt, now);
      this.#queue(key, entry, now);
    }
    this.#pump();
    while (this.#pending.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      this.#pump();
    }
    return this.#pending.size;
  }

  /** Drops everything pending and stops (on lost leadership or shutdown). */
  clear(): void {
    this.#pending.clear();
    this.#due.clear();
    this.#later.clear();
    this.#recent.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops accepting changes. */
  close(): void {
    this.#closed = true;
    this.clear();
  }

  /** Forgets signals older than the debounce window, at most once per window (so a burst costs O(1) each). */
  #pruneRecent(now: number): void {
    if (now - this.#prunedAt < this.options.debounceMs) return;
    this.#prunedAt = now;
    for (const [key, at] of this.#recent) if (now - at >= this.options.debounceMs) this.#recent.delete(key);
  }

  /** Files a resource not in flight under its due time: due now, or later. */
  #queue(key: string, entry: Pending, now: number): void {
    if (entry.inFlight) return;
    if (entry.dueAt <= now) this.#due.add(key);
    else this.#later.push({ at: entry.dueAt, key });
  }

  /** Moves the resources whose time has come from later to due. */
  #promote(now: number): void {
    for (let next = this.#later.peek(); next && next.at <= now; next = this.#later.peek()) {
      this.#later.pop();
      if (this.#stands(next)) this.#due.add(next.key);
    }
  }

  /** True while a later entry still stands for its resource's due time (not rescheduled, sent or dropped). */
  #stands(later: Due): boolean {
    const entry = this.#pending.get(later.key);
    return entry !== undefined && !entry.inFlight && entry.dueAt === later.at;
  }

  /** Sets the timer for the next thing to do: a token for what is due, else the earliest due later. */
  #schedule(tokenWaitMs = 0): void {
    if (this.#closed) return;
    // With every slot in flight, the end of a delivery pumps again.
    if (this.#due.size > 0 && this.#inFlight >= this.options.maxInFlight) return;
    let at: number | undefined;
    if (this.#due.size > 0) at = Date.now() + tokenWaitMs;
    else {
      this.#dropStale();
      at = this.#later.peek()?.at;
    }
    if (at === undefined || (this.#timer && this.#timerAt <= at)) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.max(0, at - Date.now()),
    );
    this.#timer.unref();
  }

  /** Pops the earliest later entries that no longer stand for their resource's due time. */
  #dropStale(): void {
    for (let next = this.#later.peek(); next && !this.#stands(next); next = this.#later.peek())
      this.#later.pop();
  }

  #pump(): void {
    const now = Date.now();
    this.#promote(now);
    let tokenWaitMs = 0;
    for (const key of this.#due) {
      if (this.#inFlight >= this.options.maxInFlight) break;
      tokenWaitMs = this.#tokenWait(now);
      if (tokenWaitMs > 0) break;
      this.#due.delete(key);
      const entry = this.#pending.get(key);
      if (entry && !entry.inFlight) void this.#deliver(key, entry);
    }
    this.#schedule(tokenWaitMs);
  }

  /** Takes a token (0), or says how long until one is there (the rate limit). */
  #tokenWait(now: number): number {
    const rate = this.options.maxPerSecond;
    this.#tokens = Math.min(rate, this.#tokens + ((now - this.#tokensAt) / 1000) * rate);
    this.#tokensAt = now;
    if (this.#tokens < 1) return ((1 - this.#tokens) / rate) * 1000;
    this.#tokens -= 1;
    return 0;
  }

  async #deliver(key: string, entry: Pending): Promise<void> {
    if (!this.options.isLeader()) {
      this.#pending.delete(key);
      return;
    }
    entry.inFlight = true;
    this.#inFlight += 1;
    const reasons = entry.reasons;
    entry.reasons = [];
    entry.dirty = false;
    try {
      await this.options.sender.send(entry.ref, reasons.join('; '));
      if (this.options.debounceMs > 0) this.#recent.set(key, Date.now());
      this.options.onDelivered?.(entry.ref);
      entry.failures = 0;
      if (entry.dirty) entry.dueAt = Date.now() + this.options.debounceMs;
      else if (this.#pending.get(key) === entry) this.#pending.delete(key);
    } catch (error) {
      this.options.onFailed?.(entry.ref, error);
      entry.failures += 1;
      entry.reasons = [...reasons, ...entry.reasons].slice(0, MAX_REASONS);
      const backoff = backoffDelay(entry.failures, {
        initialMs: this.options.retryInitialMs,
        maxMs: this.options.retryMaxMs,
      });
      entry.dueAt = Date.now() + backoff;
    } finally {
      entry.inFlight = false;
      this.#inFlight -= 1;
      if (this.#pending.get(key) === entry) this.#queue(key, entry, Date.now());
      this.#pump();
    }
  }
}

/**
 * When a resource's change is due to be signalled: at once (`now`) unless it was signalled less than `debounceMs`
 * ago, then when that window ends.
 */
export function signalDueAt(lastSignalledAt: number | undefined, now: number, debounceMs: number): number {
  if (lastSignalledAt === undefined) return now;
  return Math.max(now, lastSignalledAt + debounceMs);
}
