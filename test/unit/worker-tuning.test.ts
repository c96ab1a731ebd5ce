import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_TUNING, WorkerTuningSchema, workerOptionsOf } from '../../src/worker/tuning.js';

describe('worker tuning', () => {
  it('bounds the workflow cache by default, whatever the heap', () => {
    expect(workerOptionsOf(DEFAULT_WORKER_TUNING)).toEqual({
      maxCachedWorkflows: 1_000,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentActivityTaskExecutions: 100,
      maxConcurrentLocalActivityExecutions: 100,
      maxConcurrentWorkflowTaskPolls: 4,
      maxConcurrentActivityTaskPolls: 2,
      // Below Kubernetes' default grace period of 30 s: the worker stops itself before it is killed.
      shutdownForceTime: 20_000,
    });
  });

  it('never polls for more workflow tasks than it may process', () => {
    const tuning = WorkerTuningSchema.parse({ maxConcurrentWorkflowTasks: 3, workflowTaskPollers: 10 });
    expect(workerOptionsOf(tuning).maxConcurrentWorkflowTaskPolls).toBe(3);
  });

  it('refuses what the SDK would refuse, naming the knob', () => {
    expect(() => WorkerTuningSchema.parse({ workflowTaskPollers: 1 })).toThrow(/workflowTaskPollers/);
    expect(() => WorkerTuningSchema.parse({ maxCachedWorkflows: -1 })).toThrow(/maxCachedWorkflows/);
    // No cache keeps one loop at a time and may drop an evicted loop's local activities: refused, saying why.
    expect(() => WorkerTuningSchema.parse({ maxCachedWorkflows: 0 })).toThrow(/at least 2: without a cache/);
    expect(WorkerTuningSchema.parse({ maxCachedWorkflows: 2 }).maxCachedWorkflows).toBe(2);
    expect(() => WorkerTuningSchema.parse({ shutdownForceSeconds: 0 })).toThrow(/shutdownForceSeconds/);
  });
});
