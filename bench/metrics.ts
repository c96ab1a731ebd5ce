/** The worker's Prometheus metrics (`staircase worker --metrics-port`), read as plain samples. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export async function scrape(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
  if (!response?.ok) return [];
  const samples: Sample[] = [];
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[4]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function total(
  samples: readonly Sample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Workflow tasks and loop runs counted by the worker so far. */
export interface WorkerCounts {
  readonly workflowTasks: number;
  /** Runs of resource loops, as the engine counts them (`staircase_runs`, every outcome). */
  readonly runs: number;
  readonly activities: number;
  readonly localActivities: number;
}

/** The engine's run counter, whatever prefix and suffix the exporter gives it. */
const RUNS_METRIC = /^(temporal_)?staircase_runs(_total)?$/;

export async function workerCounts(port: number): Promise<WorkerCounts> {
  const samples = await scrape(port);
  return {
    workflowTasks: total(samples, 'temporal_workflow_task_execution_latency_count'),
    // A run that follows a progressed one at once has no `evaluateRun` of its own: count the engine's own metric.
    runs: samples.filter((s) => RUNS_METRIC.test(s.name)).reduce((sum, s) => sum + s.value, 0),
    activities: total(samples, 'temporal_activity_execution_latency_count'),
    localActivities: total(samples, 'temporal_local_activity_execution_latency_count'),
  };
}

export function countsDelta(before: WorkerCounts, after: WorkerCounts): WorkerCounts {
  return {
    workflowTasks: after.workflowTasks - before.workflowTasks,
    runs: after.runs - before.runs,
    activities: after.activities - before.activities,
    localActivities: after.localActivities - before.localActivities,
  };
}

/** How long {@link untilWorkerQuiet} waits at most, and how long the count must stand still. */
const QUIET_TIMEOUT_MS = 30_000;
const QUIET_FOR_MS = 600;

/**
 * Waits until the worker has completed at least `tasks` workflow tasks since `before` and then no more for a moment:
 * the loops of a burst are asleep. Scrapes the worker only (no Temporal calls, which would cost the CPU measured).
 */
export async function untilWorkerQuiet(port: number, before: WorkerCounts, tasks: number): Promise<void> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  let last = -1;
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    const done = (await workerCounts(port)).workflowTasks - before.workflowTasks;
    if (done !== last) {
      last = done;
      stillSince = Date.now();
    } else if (done >= tasks && Date.now() - stillSince >= QUIET_FOR_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
