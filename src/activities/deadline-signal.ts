/** A signal bounded by a deadline, and the means to let it go once the work it guards is over. */
export interface DeadlineSignal {
  /** Fires when the parent fires (with its reason) or when the deadline passes (a `TimeoutError`). */
  readonly signal: AbortSignal;
  /** Clears the deadline's timer and the listener on the parent; the signal never fires after this. */
  dispose(): void;
}

/**
 * A signal that fires when `parent` does or after `ms`, whichever is first — what
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])` gives, except that disposing it clears the timer and the
 * listener on `parent`.
 *
 * Why: an `AbortSignal.timeout` keeps its timer, and with it the activity's async context (its `Context`, logger and
 * everything the activity's closures hold), until the deadline passes; Node also keeps an `AbortSignal.any` with
 * listeners alive until it fires. An activity that ended long before its timeout then stays in memory for the rest
 * of it: a burst of 1,000 resources held every activity of the last minute (≈4,500 of them) on the worker's heap.
 *
 * Guarantees: until disposed, it fires as the expression above would (an already aborted parent aborts it at once).
 * Without a deadline (`ms` not above 0) it is `parent` itself, and disposing it does nothing.
 * Caveats: once disposed it never fires; dispose only when nothing the signal guards is still running.
 */
export function deadlineSignal(parent: AbortSignal, ms: number): DeadlineSignal {
  if (!(ms > 0)) return { signal: parent, dispose() {} };
  const controller = new AbortController();
  const follow = () => controller.abort(parent.reason);
  const timer = setTimeout(() => controller.abort(timeoutReason()), ms);
  if (parent.aborted) follow();
  else parent.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', follow);
    },
  };
}

/** The reason `AbortSignal.timeout` gives, so that messages read the same. */
function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}
