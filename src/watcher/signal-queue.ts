import { backoffDelay } from '../core/backoff.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { workflowIdFor } from '../core/resource-ref.js';

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
 * Caveats: delivery order across resources is not preserved.
 */
export class SignalQueue {
  readonly #pending = new Map<string, Pending>();
  /** When each recently signalled resource was signalled; entries older than the debounce window are pruned. */
  readonly #recent = new Map<string, number>();
  #prunedAt = Date.now();
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
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
    this.#pending.set(key, { ref, reasons: [reason], dueAt, failures: 0, inFlight: false, dirty: false });
    if (dueAt <= now) this.#pump();
    else this.#schedule();
  }

  /**
   * Delivers everything pending now, ignoring the debounce window, and waits until done or `deadlineMs` passed.
   * Resolves with the number of resources still pending.
   */
  async flush(deadlineMs: number): Promise<number> {
    const deadline = Date.now() + deadlineMs;
    for (const entry of this.#pending.values()) entry.dueAt = Math.min(entry.dueAt, Date.now());
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

  #schedule(): void {
    if (this.#closed) return;
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#pending.values()) if (!entry.inFlight) next = Math.min(next, entry.dueAt);
    if (next === Number.POSITIVE_INFINITY) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#pump(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  #pump(): void {
    this.#timer = undefined;
    const now = Date.now();
    for (const [key, entry] of this.#pending) {
      if (this.#inFlight >= this.options.maxInFlight) break;
      if (entry.inFlight || entry.dueAt > now) continue;
      if (!this.#takeToken(now)) break;
      void this.#deliver(key, entry);
    }
    this.#schedule();
  }

  #takeToken(now: number): boolean {
    const rate = this.options.maxPerSecond;
    this.#tokens = Math.min(rate, this.#tokens + ((now - this.#tokensAt) / 1000) * rate);
    this.#tokensAt = now;
    if (this.#tokens < 1) {
      const wait = ((1 - this.#tokens) / rate) * 1000;
      for (const entry of this.#pending.values())
        if (!entry.inFlight) entry.dueAt = Math.max(entry.dueAt, now + wait);
      return false;
    }
    this.#tokens -= 1;
    return true;
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
      this.#schedule();
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
