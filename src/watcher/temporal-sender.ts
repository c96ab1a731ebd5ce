import type { Client } from '@temporalio/client';
import { type LoopTarget, signalChange, startOrSignal } from '../client/reconcile-client.js';
import { CREATED_REASON } from './predicates.js';
import type { SignalSender } from './signal-queue.js';

/**
 * Delivers change signals with `signalWithStart` on Temporal — for a resource just created (reason `created`),
 * `startOrSignal`, so a new loop's history does not begin with a signal. Each attempt is bounded by `timeoutMs` so
 * an unreachable server turns into a failed delivery (retried by the queue) instead of a call that hangs.
 */
export function temporalSignalSender(client: Client, target: LoopTarget, timeoutMs = 10_000): SignalSender {
  return {
    async send(ref, reason) {
      const deliver = reason.startsWith(CREATED_REASON) ? startOrSignal : signalChange;
      await client.connection.withDeadline(Date.now() + timeoutMs, () =>
        deliver(client, ref, target, reason),
      );
    },
  };
}
