import { Worker } from '@temporalio/worker';
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared.js';

/**
 * The Temporal worker class of the engine: the SDK's `Worker`, running the workflow sandbox on the worker's main
 * thread without the SDK's debugging aids, which cost more than the engine's workflow code itself.
 *
 * Why: measured on a resync run, over half the workflow CPU went to the SDK's promise hook, which captures and
 * source-maps a stack trace for every promise created in workflow code (for the `__stack_trace` query), and much of
 * the rest to a watchdog thread Node's `vm` starts for each entry into the sandbox (`isolateExecutionTimeout`). The
 * hook can only be removed on the thread that installed it, hence the main thread (as the SDK's own debug mode and
 * replayer run it). The watchdog catches workflow code that never yields; the only workflow code here is the
 * engine's own — a user's steps run in activities, never in the sandbox.
 * Caveats: the Temporal UI's stack trace of a loop (the `__stack_trace` query) is empty; stack traces of errors in
 * workflow code name positions in the workflow bundle; a workflow task that never yielded would hold the worker
 * instead of failing after 5 s — a bug of the engine, not of an operator.
 */
export class EngineWorker extends Worker {
  protected static override async createWorkflowCreator(
    ...[bundle, options, logger]: Parameters<typeof Worker.createWorkflowCreator>
  ) {
    const unwatched = { ...options, debugMode: true, isolateExecutionTimeoutMs: undefined as never };
    const creator = await Worker.createWorkflowCreator(bundle, unwatched, logger);
    globalHandlers.uninstall();
    return creator;
  }
}
