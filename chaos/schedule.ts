/**
 * The chaos run's decisions, and nothing else: from a seed and a few sizes, which fault hits what at which time,
 * and which Website is created, edited, deleted or recreated when. Pure (no I/O, no clock): the same options give
 * the same plan, so a failing run is replayed from its seed.
 */
import { createPrng, type Prng } from './prng.js';

/** What a fault kills with SIGKILL. Servers come back on the same address (Temporal with its database file). */
export type FaultTarget = 'worker' | 'watcher' | 'temporal' | 'apiserver';

/** Every fault target, in the order figures are printed. */
export const FAULT_TARGETS: readonly FaultTarget[] = ['worker', 'watcher', 'temporal', 'apiserver'];

/** A Website's spec as the workload writes it (every field, so the last write is the expected spec). */
export interface SiteSpec {
  readonly content: string;
  readonly hostname: string;
  readonly replicas: number;
}

/** One thing the run does, `atMs` after the fault window opened. */
export type ChaosEvent =
  | {
      readonly atMs: number;
      readonly kind: 'kill';
      readonly target: FaultTarget;
      /** Which replica of the worker or watcher (always 0 for the servers). */
      readonly replica: number;
      /** How long it stays down before it is started again. */
      readonly downMs: number;
    }
  | {
      readonly atMs: number;
      readonly kind: 'create' | 'edit';
      readonly site: string;
      readonly spec: SiteSpec;
    }
  | { readonly atMs: number; readonly kind: 'delete'; readonly site: string };

/** What the plan is made from. */
export interface ChaosPlanOptions {
  readonly seed: number;
  /** Length of the fault window; nothing is scheduled at or after it, and every outage ends within it. */
  readonly durationMs: number;
  /** Websites created before the window opens. */
  readonly sites: number;
  readonly workers: number;
  readonly watchers: number;
}

/** The plan: the Websites to start with, the events in time order, and the Websites that should exist at the end. */
export interface ChaosPlan {
  readonly options: ChaosPlanOptions;
  readonly initial: readonly { readonly site: string; readonly spec: SiteSpec }[];
  readonly events: readonly ChaosEvent[];
  /** The expected spec of every Website that should exist once the workload is done, by name. */
  readonly expected: ReadonlyMap<string, SiteSpec>;
}

const FAULT_GAP_MS = [2_000, 8_000] as const;
const WORKLOAD_GAP_MS = [1_000, 4_000] as const;
const FAULT_WEIGHTS: Record<FaultTarget, number> = { worker: 3, watcher: 2, temporal: 1, apiserver: 1 };
const DOWN_MS: Record<FaultTarget, readonly [number, number]> = {
  worker: [300, 4_000],
  watcher: [300, 4_000],
  temporal: [500, 5_000],
  apiserver: [500, 5_000],
};

/** The name of the `index`-th Website. */
export const siteName = (index: number) => `site-${String(index).padStart(2, '0')}`;

/** Makes the plan for `options`. */
export function planChaos(options: ChaosPlanOptions): ChaosPlan {
  const faults = faultEvents(createPrng(options.seed), options);
  const workload = workloadEvents(createPrng(options.seed ^ 0x5eed5), options);
  const events = [...faults, ...workload.events].sort((a, b) => a.atMs - b.atMs);
  return { options, initial: workload.initial, events, expected: workload.expected };
}

function faultEvents(prng: Prng, options: ChaosPlanOptions): ChaosEvent[] {
  const replicas: Record<FaultTarget, number> = {
    worker: options.workers,
    watcher: options.watchers,
    temporal: 1,
    apiserver: 1,
  };
  const upAt = new Map<string, number>();
  const events: ChaosEvent[] = [];
  for (let at = prng.int(...FAULT_GAP_MS); at < options.durationMs; at += prng.int(...FAULT_GAP_MS)) {
    const target = prng.weighted(FAULT_WEIGHTS);
    const replica = prng.int(0, replicas[target] - 1);
    const downMs = prng.int(...DOWN_MS[target]);
    const key = `${target}-${replica}`;
    // A replica already down is not killed again; every outage ends inside the window.
    if ((upAt.get(key) ?? 0) > at || at + downMs >= options.durationMs) continue;
    upAt.set(key, at + downMs);
    events.push({ atMs: at, kind: 'kill', target, replica, downMs });
  }
  return events;
}

interface Workload {
  readonly initial: { site: string; spec: SiteSpec }[];
  readonly events: ChaosEvent[];
  readonly expected: Map<string, SiteSpec>;
}

function workloadEvents(prng: Prng, options: ChaosPlanOptions): Workload {
  const live = new Map<string, SiteSpec>();
  const deleted: string[] = [];
  let version = 0;
  const newSpec = (site: string, before?: SiteSpec): SiteSpec => {
    version += 1;
    const renamed = !before || prng.chance(0.3);
    return {
      content: `<h1>${site} v${version}</h1>`,
      hostname: renamed ? `${site}-${version}.chaos.test` : (before?.hostname ?? ''),
      replicas: prng.int(1, 2),
    };
  };
  const initial = Array.from({ length: options.sites }, (_, i) => {
    const site = siteName(i);
    const spec = newSpec(site);
    live.set(site, spec);
    return { site, spec };
  });
  const events: ChaosEvent[] = [];
  for (let at = prng.int(...WORKLOAD_GAP_MS); at < options.durationMs; at += prng.int(...WORKLOAD_GAP_MS)) {
    // At least half the Websites stay, so the end checks always have live ones to look at.
    const canDelete = live.size > Math.ceil(options.sites / 2);
    const kind = prng.weighted({
      edit: 5,
      delete: canDelete ? 2 : 0,
      create: deleted.length > 0 ? 2 : 0,
    });
    if (kind === 'create') {
      const site = deleted.splice(prng.int(0, deleted.length - 1), 1)[0] as string;
      const spec = newSpec(site);
      live.set(site, spec);
      events.push({ atMs: at, kind, site, spec });
      continue;
    }
    const site = prng.pick([...live.keys()].sort());
    if (kind === 'delete') {
      live.delete(site);
      deleted.push(site);
      events.push({ atMs: at, kind, site });
      continue;
    }
    const spec = newSpec(site, live.get(site));
    live.set(site, spec);
    events.push({ atMs: at, kind, site, spec });
  }
  return { initial, events, expected: live };
}

/** How many events of each kind the plan holds: kills by target, and the workload's creates, edits and deletes. */
export function countEvents(events: readonly ChaosEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const key = event.kind === 'kill' ? event.target : event.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
