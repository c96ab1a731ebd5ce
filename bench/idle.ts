/**
 * The idle cost: COUNT Greetings converged under Staircase, then a window with nothing to do, measuring CPU, loop
 * runs and workflow tasks per minute (from the worker's metrics) and the memory of every process over time.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/devenv/ports.js';
import type { BurstContext } from './burst.js';
import {
  CREATE_CONCURRENCY,
  createGreeting,
  createNamespace,
  forEachLimited,
  greetingName,
} from './greetings.js';
import { terminateLoops } from './history.js';
import { countsDelta, workerCounts } from './metrics.js';
import { ReadyWatch } from './observe.js';
import { cpuDelta, cpuSnapshot, rssMb } from './proc.js';
import { startStaircase } from './systems.js';

/** What the idle phase measures. */
export interface IdleSettings {
  readonly count: number;
  readonly minutes: number;
  /** The loops' resync interval; absent: the operator's default. */
  readonly resyncMinutes?: number;
}

export interface IdleResult {
  readonly resources: number;
  /** The loops' resync interval when the bench set one; absent: the operator's default. */
  readonly resyncMinutes?: number;
  /** How long COUNT new Greetings took to be Ready (a burst of COUNT). */
  readonly convergeMs: number;
  readonly windowMinutes: number;
  /** Cores in use on average over the window, all processes together. */
  readonly coresAverage: number;
  readonly cpuMsPerMinute: Record<string, number>;
  readonly runsPerMinute: number;
  readonly workflowTasksPerMinute: number;
  /** RSS at the start and end of the window and its maximum, by process. */
  readonly rssMb: Record<string, { readonly start: number; readonly end: number; readonly max: number }>;
}

const SAMPLE_MS = 10_000;
/** Lets the last runs and status writes of the convergence finish before the window opens. */
const SETTLE_MS = 30_000;

export async function runIdle(context: BurstContext, settings: IdleSettings): Promise<IdleResult> {
  const { count, minutes, resyncMinutes } = settings;
  const namespace = `bench-idle-${count}`;
  await createNamespace(context.clients, namespace);
  const metricsPort = await freePort();
  const operator =
    resyncMinutes === undefined
      ? context.release.operator
      : await operatorResyncingEvery(context.release.operator, resyncMinutes);
  const system = await startStaircase(context, `idle-${Date.now()}`, namespace, metricsPort, operator);
  const processes = [...context.servers, ...system.processes];
  const names = Array.from({ length: count }, (_, i) => greetingName(i));
  const ready = await ReadyWatch.start(context.clients, namespace);
  try {
    context.log(`idle: creating ${count} Greetings and waiting for them to be Ready…`);
    const t0 = performance.now();
    await forEachLimited(count, CREATE_CONCURRENCY, async (i) => {
      await createGreeting(context.clients, namespace, names[i] as string);
    });
    const convergeMs = (await ready.allReady(names, 3_600_000 + count * 1000)) - t0;
    context.log(
      `idle: ${count} Ready in ${(convergeMs / 1000).toFixed(0)} s; settling, then ${minutes} min idle`,
    );
    await ready.stop();
    await sleep(SETTLE_MS);
    const rss: IdleResult['rssMb'] = {};
    const sampleRss = () => {
      for (const p of processes) {
        const now = rssMb(p.pid);
        const seen = rss[p.name];
        rss[p.name] = seen
          ? { start: seen.start, end: now, max: Math.max(seen.max, now) }
          : { start: now, end: now, max: now };
      }
    };
    const countsBefore = await workerCounts(metricsPort);
    const before = cpuSnapshot(processes);
    const started = performance.now();
    const windowMs = minutes * 60_000;
    sampleRss();
    while (performance.now() - started < windowMs) {
      await sleep(Math.min(SAMPLE_MS, windowMs - (performance.now() - started)));
      sampleRss();
    }
    const elapsedMin = (performance.now() - started) / 60_000;
    const cpu = cpuDelta(before, cpuSnapshot(processes));
    const counts = countsDelta(countsBefore, await workerCounts(metricsPort));
    const totalCpu = Object.values(cpu).reduce((a, b) => a + b, 0);
    return {
      resources: count,
      ...(resyncMinutes === undefined ? {} : { resyncMinutes }),
      convergeMs,
      windowMinutes: minutes,
      coresAverage: totalCpu / (elapsedMin * 60_000),
      cpuMsPerMinute: Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, ms / elapsedMin])),
      runsPerMinute: counts.runs / elapsedMin,
      workflowTasksPerMinute: counts.workflowTasks / elapsedMin,
      rssMb: rss,
    };
  } finally {
    await ready.stop();
    await system.stop();
    await terminateLoops(context.temporal, namespace, names);
  }
}

/** A module next to the greeting operator exporting it with another resync interval; returns its path. */
async function operatorResyncingEvery(operator: string, minutes: number): Promise<string> {
  const file = join(dirname(operator), `operator-resync-${minutes}m.ts`);
  const loop = `{ ...greeting.options?.loop, resyncIntervalMs: ${Math.round(minutes * 60_000)} }`;
  await writeFile(
    file,
    [
      "import greeting from './operator.js';",
      '',
      `export default { ...greeting, options: { ...greeting.options, loop: ${loop} } };`,
      '',
    ].join('\n'),
  );
  return file;
}
