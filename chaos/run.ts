/**
 * One chaos run on running servers and processes: the Websites to start with, the fault window (the plan's events
 * at their times), the settle period, and the end checks.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { FaultInjector } from './faults.js';
import { checkHistories } from './histories.js';
import type { ChaosOptions } from './options.js';
import type { Replica } from './processes.js';
import { type ChaosPlan, countEvents, FAULT_TARGETS, planChaos, type SiteSpec } from './schedule.js';
import type { ChaosServers } from './servers.js';
import { readWorld } from './snapshot.js';
import { type ChaosFigures, stateViolations, type Violation } from './verdict.js';
import { Workload } from './workload.js';

/** What a run works on. */
export interface ChaosContext {
  readonly options: ChaosOptions;
  readonly servers: ChaosServers;
  readonly replicas: Readonly<Record<'worker' | 'watcher', readonly Replica[]>>;
  readonly temporal: Client;
  readonly namespace: string;
  /** Epoch ms the whole run (server start-up included) began, for its duration. */
  readonly startedAt: number;
  readonly log: (line: string) => void;
}

/** The run's result: its figures and every violation found. */
export interface ChaosResult {
  readonly figures: ChaosFigures;
  readonly violations: readonly Violation[];
}

const POLL_MS = 2_000;

/** Runs the plan of `context.options` and checks the end state. */
export async function runChaos(context: ChaosContext): Promise<ChaosResult> {
  const { options, log } = context;
  const plan = planChaos(options);
  const planned = countEvents(plan.events);
  log(
    `plan: ${plan.initial.length} Websites, then ${plan.events.length} events (${JSON.stringify(planned)})`,
  );
  const workload = new Workload(context.servers.kube, context.namespace);
  for (const { site, spec } of plan.initial) workload.enqueue({ kind: 'create', site, spec });
  await workload.drain();
  const initial = new Map(plan.initial.map(({ site, spec }) => [site, spec]));
  const warmUp = await settle(context, initial, Date.now() + options.settleMs);
  log(
    `the first ${initial.size} Websites converged in ${warmUp.seconds ?? 'never'} s; opening the fault window`,
  );

  const faults = new FaultInjector(context.servers, context.replicas, log);
  await playEvents(plan, faults, workload);
  const windowClosed = Date.now();
  log('fault window closed; waiting for restarts and queued workload, then for everything to settle');
  await Promise.all([faults.drain(), workload.drain()]);
  const end = await settle(context, plan.expected, windowClosed + options.settleMs, windowClosed);

  const names = [...new Set([...plan.initial.map((s) => s.site), ...plan.events.flatMap(siteOf)])].sort();
  const histories = await checkHistories(context.temporal, context.namespace, names);
  const violations: Violation[] = [
    ...(warmUp.seconds === undefined ? warmUp.violations.map(atWarmUp) : []),
    ...end.violations,
    ...histories.violations,
    ...workload.failures.map((f) => ({ kind: 'workload' as const, detail: f.message })),
    ...faults.failures.map((f) => ({ kind: 'restart-failed' as const, detail: f.message })),
  ];
  const figures: ChaosFigures = {
    seed: options.seed,
    durationS: Math.round((Date.now() - context.startedAt) / 1000),
    faults: Object.fromEntries(FAULT_TARGETS.map((t) => [t, faults.counts[t]])) as ChaosFigures['faults'],
    workload: { creates: planned.create ?? 0, edits: planned.edit ?? 0, deletes: planned.delete ?? 0 },
    websites: plan.expected.size,
    runs: histories.runs,
    applies: histories.applies,
    settleS: end.seconds,
    unplannedExits: [...context.replicas.worker, ...context.replicas.watcher].reduce(
      (n, r) => n + r.unplannedExits,
      0,
    ),
    violations: violations.length,
  };
  return { figures, violations };
}

const siteOf = (event: ChaosPlan['events'][number]) => (event.kind === 'kill' ? [] : [event.site]);
const atWarmUp = (v: Violation): Violation => ({ ...v, detail: `before any fault: ${v.detail}` });

/** Sends each event at its time; resolves when the fault window has closed. */
async function playEvents(plan: ChaosPlan, faults: FaultInjector, workload: Workload): Promise<void> {
  const opened = Date.now();
  for (const event of plan.events) {
    const wait = opened + event.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    if (event.kind === 'kill') faults.inject(event);
    else workload.enqueue(event);
  }
  const rest = opened + plan.options.durationMs - Date.now();
  if (rest > 0) await sleep(rest);
}

/**
 * Polls the end-state checks until they pass or `deadline`; the seconds since `from` when they passed (undefined
 * when they never did) and the violations last seen.
 */
async function settle(
  context: ChaosContext,
  expected: ReadonlyMap<string, SiteSpec>,
  deadline: number,
  from = Date.now(),
): Promise<{ seconds: number | undefined; violations: Violation[] }> {
  let violations: Violation[] = [];
  for (;;) {
    try {
      const world = await readWorld({
        ...context.servers,
        namespace: context.namespace,
        temporal: context.temporal,
      });
      violations = stateViolations(world, expected);
    } catch (error) {
      violations = [
        { kind: 'unreadable', detail: `could not read the end state: ${(error as Error).message}` },
      ];
    }
    if (violations.length === 0) return { seconds: Math.round((Date.now() - from) / 100) / 10, violations };
    if (Date.now() >= deadline) return { seconds: undefined, violations };
    await sleep(POLL_MS);
  }
}
