/**
 * One burst: N new Greetings at once on one system, timed until all are Ready, with the CPU and peak memory of every
 * process involved, then edit→child latency on the now idle system.
 */
import type { Client } from '@temporalio/client';
import { freePort } from '../src/devenv/ports.js';
import {
  CREATE_CONCURRENCY,
  createGreeting,
  createNamespace,
  forEachLimited,
  type GreetingClients,
  greetingName,
} from './greetings.js';
import { type HistoryFigures, historyFigures, terminateLoops } from './history.js';
import { countsDelta, untilWorkerQuiet, type WorkerCounts, workerCounts } from './metrics.js';
import { editLatencies, percentile, ReadyWatch } from './observe.js';
import { cpuDelta, cpuSnapshot, peakRssMb, resetPeak, type Watched } from './proc.js';
import {
  type RunningSystem,
  type SystemContext,
  startBaselineController,
  startFloor,
  startStaircase,
} from './systems.js';

export type SystemName = 'staircase' | 'inProcess' | 'floor';

/** What one system did in one burst. */
export interface BurstResult {
  readonly system: SystemName;
  readonly n: number;
  readonly burstMs: number;
  /** CPU milliseconds per resource, by process, and `total` over all of them. */
  readonly cpuMsPerResource: Record<string, number>;
  /** Peak RSS during the burst and the edits, by process (servers' peaks restarted at the burst's start). */
  readonly peakRssMb: Record<string, number>;
  readonly edit?: { readonly samples: number; readonly p50Ms: number; readonly p99Ms: number };
  /** Staircase only: Temporal history per new resource, and the worker's counts per resource. */
  readonly history?: HistoryFigures;
  readonly perResource?: {
    readonly workflowTasks: number;
    readonly runs: number;
    readonly activities: number;
  };
}

/** Shared by every burst: the servers, the bench's own clients, and the Temporal client. */
export interface BurstContext extends SystemContext {
  readonly clients: GreetingClients;
  readonly temporal: Client;
  readonly servers: readonly Watched[];
  readonly edits: number;
  readonly workers: number;
  readonly log: (line: string) => void;
}

const READY_TIMEOUT_MS = (n: number) => 300_000 + n * 500;

async function startSystem(context: BurstContext, system: SystemName, namespace: string, n: number) {
  if (system === 'staircase') {
    const metricsPort = await freePort();
    const running = await startStaircase(context, `${n}-${Date.now()}`, namespace, metricsPort);
    return { running, metricsPort, create: true, floor: undefined };
  }
  if (system === 'inProcess') {
    const running = await startBaselineController(context, namespace, context.workers);
    return { running, metricsPort: undefined, create: true, floor: undefined };
  }
  const floor = await startFloor(context, namespace, n);
  return { running: floor as RunningSystem, metricsPort: undefined, create: false, floor };
}

export async function runBurst(context: BurstContext, system: SystemName, n: number): Promise<BurstResult> {
  const namespace = `bench-${system.toLowerCase()}-${n}`;
  await createNamespace(context.clients, namespace);
  const started = await startSystem(context, system, namespace, n);
  const processes = [...context.servers, ...started.running.processes];
  const names = Array.from({ length: n }, (_, i) => greetingName(i));
  const ready = await ReadyWatch.start(context.clients, namespace);
  try {
    for (const p of processes) resetPeak(p.pid);
    const countsBefore = started.metricsPort ? await workerCounts(started.metricsPort) : undefined;
    const before = cpuSnapshot(processes);
    const t0 = performance.now();
    const writing = started.floor
      ? started.floor.run()
      : forEachLimited(n, CREATE_CONCURRENCY, async (i) => {
          await createGreeting(context.clients, namespace, names[i] as string);
        });
    await writing;
    const lastReady = await ready.allReady(names, READY_TIMEOUT_MS(n));
    const burstMs = lastReady - t0;
    // A run records Ready from inside its workflow task: let the last tasks complete before CPU is read.
    if (started.metricsPort && countsBefore) await untilWorkerQuiet(started.metricsPort, countsBefore, n);
    const cpu = cpuDelta(before, cpuSnapshot(processes));
    const counts: WorkerCounts | undefined =
      started.metricsPort && countsBefore
        ? countsDelta(countsBefore, await workerCounts(started.metricsPort))
        : undefined;
    context.log(`${system} N=${n}: all Ready in ${(burstMs / 1000).toFixed(2)} s`);
    const history =
      system === 'staircase' ? await historyFigures(context.temporal, namespace, names) : undefined;
    let edit: BurstResult['edit'];
    if (system !== 'floor') {
      const latencies = await editLatencies(context.clients, namespace, names, context.edits, ready);
      edit = {
        samples: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
      };
      context.log(
        `${system} N=${n}: edit→child p50 ${edit.p50Ms.toFixed(0)} ms, p99 ${edit.p99Ms.toFixed(0)} ms`,
      );
    }
    const perProcess = Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, ms / n]));
    const totalCpu = Object.values(cpu).reduce((a, b) => a + b, 0) / n;
    return {
      system,
      n,
      burstMs,
      cpuMsPerResource: { ...perProcess, total: totalCpu },
      peakRssMb: Object.fromEntries(processes.map((p) => [p.name, peakRssMb(p.pid)])),
      ...(edit ? { edit } : {}),
      ...(history ? { history } : {}),
      ...(counts
        ? {
            perResource: {
              workflowTasks: counts.workflowTasks / n,
              runs: counts.runs / n,
              activities: (counts.activities + counts.localActivities) / n,
            },
          }
        : {}),
    };
  } finally {
    await ready.stop();
    await started.running.stop();
    if (system === 'staircase') await terminateLoops(context.temporal, namespace, names);
  }
}
