import type { Client } from '@temporalio/client';
import { type LoopTarget, signalChange } from '../client/reconcile-client.js';
import type { SignalSender } from './signal-queue.js';

/**
 * Delivers change signals with `signalWithStart` on Temporal. Each attempt is bounded by `timeoutMs` so an
 * unreachable server turns into a failed delivery (retried by the queue) instead of a call that hangs.
 */
export function temporalSignalSender(client: Client, target: LoopTarget, timeoutMs = 10_000): SignalSender {
  return {
    async send(ref, reason) {
      await client.connection.withDeadline(Date.now() + timeoutMs, () =>
        signalChange(client, ref, target, reason),
      );
    },
  };
}
