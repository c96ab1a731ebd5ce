import type { Client } from '@temporalio/client';
import { type LoopTarget, signalChange } from '../client/reconcile-client.js';
import type { SignalSender } from './signal-queue.js';

/** Delivers change signals with `signalWithStart` on Temporal. */
export function temporalSignalSender(client: Client, target: LoopTarget): SignalSender {
  return {
    async send(ref, reason) {
      await signalChange(client, ref, target, reason);
    },
  };
}
