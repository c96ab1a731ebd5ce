import { Worker } from '@temporalio/worker';

/**
 * The Temporal worker class of the engine: the SDK's `Worker`, with the workflow sandbox entered without a watchdog.
 *
 * Why: the SDK bounds each entry into a workflow's V8 context (`isolateExecutionTimeout`, 5 s) with Node's `vm`
 * timeout, which starts a watchdog thread per entry — ≈100–150 µs of CPU each, several entries per activation,
 * measured as half the workflow thread's CPU. The bound catches workflow code that never yields; the only workflow
 * code here is the engine's own (a user's steps run in activities, never in the sandbox), so it is dropped.
 * Caveats: a workflow task that never yielded would hold its workflow thread instead of failing after 5 s — a bug
 * of the engine, not of an operator.
 */
export class EngineWorker extends Worker {
  protected static override createWorkflowCreator(
    ...[bundle, options, logger]: Parameters<typeof Worker.createWorkflowCreator>
  ) {
    // Node's vm runs without a watchdog when `timeout` is undefined.
    return Worker.createWorkflowCreator(
      bundle,
      { ...options, isolateExecutionTimeoutMs: undefined as never },
      logger,
    );
  }
}
