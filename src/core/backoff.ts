/** How a delay grows with each consecutive failure. */
export interface BackoffPolicy {
  /** The delay after the first failure. */
  readonly initialMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
  /** Growth per further failure; default 2 (doubling). */
  readonly multiplier?: number;
}

/**
 * Exponential backoff: the delay after `attempt` consecutive failures is `initialMs × multiplier^(attempt − 1)`,
 * capped at `maxMs`. Attempts below 1 count as 1. Pure and deterministic (no jitter), so workflow code may use it;
 * the one place the engine, the watcher and the dev tools compute a backoff.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const multiplier = policy.multiplier ?? 2;
  return Math.min(policy.initialMs * multiplier ** Math.max(0, attempt - 1), policy.maxMs);
}
