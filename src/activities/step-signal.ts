import type { Context } from '@temporalio/activity';
import { type DeadlineSignal, deadlineSignal } from './deadline-signal.js';

/**
 * The abort signal of one step attempt (`context.signal`): it fires when Temporal cancels the activity — a
 * cancellation, a timeout the worker learned of through a heartbeat, the workflow gone, worker shutdown — and, at
 * the latest, when the attempt's own start-to-close timeout has passed on this worker's clock.
 *
 * Guarantees: once the attempt's timeout has passed, the signal has fired, heartbeat or not; the local deadline
 * starts when this worker got the task, so it never fires before Temporal's.
 * Caveats: the signal cannot undo a write already sent; it only lets the step stop before its next one. Dispose
 * of it when the step call returns (see `deadlineSignal`).
 */
function stepSignal(context: Context): DeadlineSignal {
  return deadlineSignal(context.cancellationSignal, context.info.startToCloseTimeoutMs);
}

/** Runs `work` (one step call) with the step's signal, which is let go once `work` settles. */
export async function withStepSignal<T>(
  context: Context,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = stepSignal(context);
  try {
    return await work(deadline.signal);
  } finally {
    deadline.dispose();
  }
}

/** Bounds of the heartbeat interval; Temporal itself sends at most one heartbeat per 80 % of the timeout. */
const MIN_INTERVAL_MS = 200;
const MAX_INTERVAL_MS = 5_000;

/**
 * Runs `work` (a step's apply) while heartbeating for it, so that Temporal notices a dead worker within the
 * activity's heartbeat timeout instead of its start-to-close timeout, and so that this worker learns of a
 * cancellation or timeout (which fires the step's signal).
 *
 * Guarantees: heartbeats go out every quarter of the heartbeat timeout while `work` is pending, and stop when it
 * settles. An error `work` throws after Temporal cancelled the activity is reported as that cancellation.
 * Caveats: an activity scheduled without a heartbeat timeout (histories from before heartbeats) is not heartbeated.
 */
export async function whileHeartbeating<T>(context: Context, work: () => Promise<T>): Promise<T> {
  const timeoutMs = context.info.heartbeatTimeoutMs;
  const interval = timeoutMs
    ? setInterval(
        () => context.heartbeat(),
        Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, timeoutMs / 4)),
      )
    : undefined;
  try {
    return await work();
  } catch (error) {
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    throw error;
  } finally {
    clearInterval(interval);
  }
}
