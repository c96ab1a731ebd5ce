import { setTimeout as sleep } from 'node:timers/promises';
import { WaitTimeoutError } from './errors.js';

/** Options for {@link waitFor}. */
export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between attempts; defaults to 100 ms. */
  readonly intervalMs?: number;
  /** Checked before each attempt; a returned error ends the wait at once (for example "the process exited"). */
  readonly abortIf?: () => Error | undefined;
}

/**
 * Calls `probe` until it returns a value other than `undefined`, and returns that value.
 *
 * Errors thrown by the probe count as "not yet" and are kept for the timeout message.
 *
 * @throws {WaitTimeoutError} when the time runs out.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const abort = options.abortIf?.();
    if (abort) throw abort;
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.what, options.timeoutMs, lastError);
    await sleep(options.intervalMs ?? 100);
  }
}
