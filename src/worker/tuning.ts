import { z } from 'zod';

const count = (max: number) => z.number().int().min(1).max(max);

/**
 * A worker's tuning knobs, validated once at the entry point. Each operator's worker gets these limits of its own
 * (two operators in one process: twice the cache and the slots).
 */
export const WorkerTuningSchema = z.object({
  /**
   * Loops kept in memory between runs (≈0.1 MB each, measured with the greeting example). A loop not cached replays
   * its history (a few dozen events) on its next run: more CPU and a slower reaction (edit → child p50 46–53 ms
   * cached against 65–107 ms not, at 1,000 loops), less memory. At least 2: with 0 (no cache) the Temporal SDK holds
   * one loop at a time and may drop the local activities of a loop it evicts, so loops stall.
   */
  maxCachedWorkflows: z
    .number()
    .int()
    .min(2, 'at least 2: without a cache the SDK may drop the checks and reads of an evicted loop')
    .max(100_000)
    .default(1_000),
  /** Workflow tasks (run decisions) processed at once. */
  maxConcurrentWorkflowTasks: count(1_000).min(2).default(40),
  /** Applies (activities) running at once. */
  maxConcurrentActivities: count(10_000).default(100),
  /** Checks and reads (local activities) running at once. */
  maxConcurrentLocalActivities: count(10_000).default(100),
  /** Long polls for workflow tasks kept open (at least 2 with a cache: sticky and normal queues). */
  workflowTaskPollers: count(100).min(2).default(4),
  /** Long polls for activity tasks kept open. */
  activityTaskPollers: count(100).default(2),
  /**
   * Seconds a worker asked to stop waits for the steps still running, once cancelled, before it stops without them.
   * A step that ignores cancellation — or a local one, which the SDK retries while the worker shuts down — would
   * otherwise hold the worker until Kubernetes kills it. A step stopped so is run again by its loop on another worker
   * (a local one in the same run; the loop's workflow task times out first). Keep it below the pod's
   * `terminationGracePeriodSeconds` (30 by default).
   */
  shutdownForceSeconds: count(3_600).default(20),
});

/** Validated worker tuning; see {@link WorkerTuningSchema} for what each knob trades. */
export type WorkerTuning = z.output<typeof WorkerTuningSchema>;

/** The defaults of every knob. */
export const DEFAULT_WORKER_TUNING: WorkerTuning = WorkerTuningSchema.parse({});

/** The Temporal `WorkerOptions` of a tuning. */
export function workerOptionsOf(tuning: WorkerTuning) {
  return {
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities,
    maxConcurrentLocalActivityExecutions: tuning.maxConcurrentLocalActivities,
    maxConcurrentWorkflowTaskPolls: Math.min(tuning.workflowTaskPollers, tuning.maxConcurrentWorkflowTasks),
    maxConcurrentActivityTaskPolls: tuning.activityTaskPollers,
    shutdownForceTime: tuning.shutdownForceSeconds * 1_000,
  };
}
