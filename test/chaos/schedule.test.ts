import { describe, expect, it } from 'vitest';
import { createPrng } from '../../chaos/prng.js';
import { type ChaosEvent, countEvents, planChaos, type SiteSpec } from '../../chaos/schedule.js';

const OPTIONS = { seed: 1234, durationMs: 10 * 60_000, sites: 6, workers: 2, watchers: 2 };

/** Replays the plan's workload on a model: the Websites that exist at the end, with their last spec. */
function replayWorkload(initial: readonly { site: string; spec: SiteSpec }[], events: readonly ChaosEvent[]) {
  const live = new Map(initial.map(({ site, spec }) => [site, spec]));
  for (const event of events) {
    if (event.kind === 'kill') continue;
    if (event.kind === 'delete') {
      expect(live.has(event.site), `${event.site} deleted while absent`).toBe(true);
      live.delete(event.site);
    } else {
      expect(live.has(event.site), `${event.kind} of ${event.site}`).toBe(event.kind === 'edit');
      live.set(event.site, event.spec);
    }
  }
  return live;
}

describe('the chaos schedule', () => {
  it('is the same for the same seed, and different for another', () => {
    expect(planChaos(OPTIONS)).toEqual(planChaos({ ...OPTIONS }));
    expect(planChaos({ ...OPTIONS, seed: 1235 }).events).not.toEqual(planChaos(OPTIONS).events);
  });

  it('lists its events in time order, all inside the fault window, every outage ending inside it', () => {
    const { events } = planChaos(OPTIONS);
    expect(events.map((e) => e.atMs)).toEqual(events.map((e) => e.atMs).toSorted((a, b) => a - b));
    for (const event of events) {
      expect(event.atMs).toBeGreaterThan(0);
      expect(event.kind === 'kill' ? event.atMs + event.downMs : event.atMs).toBeLessThan(OPTIONS.durationMs);
    }
  });

  it('never kills a replica that is still down, nor one that does not exist', () => {
    const upAt = new Map<string, number>();
    for (const event of planChaos(OPTIONS).events) {
      if (event.kind !== 'kill') continue;
      const key = `${event.target}-${event.replica}`;
      expect(upAt.get(key) ?? 0, key).toBeLessThanOrEqual(event.atMs);
      upAt.set(key, event.atMs + event.downMs);
      const replicas = { worker: OPTIONS.workers, watcher: OPTIONS.watchers, temporal: 1, apiserver: 1 };
      expect(event.replica).toBeLessThan(replicas[event.target]);
    }
  });

  it('hits every kind of target and does every kind of workload action in ten minutes', () => {
    const counts = countEvents(planChaos(OPTIONS).events);
    for (const kind of ['worker', 'watcher', 'temporal', 'apiserver', 'create', 'edit', 'delete'])
      expect(counts[kind] ?? 0, kind).toBeGreaterThan(0);
  });

  it('expects exactly the Websites its workload leaves, with their last spec, and keeps at least half', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const plan = planChaos({ ...OPTIONS, seed });
      expect(replayWorkload(plan.initial, plan.events)).toEqual(plan.expected);
      expect(plan.expected.size).toBeGreaterThanOrEqual(OPTIONS.sites / 2);
    }
  });
});

describe('the seeded generator', () => {
  it('gives the same sequence for the same seed, within the asked bounds', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const draws = Array.from({ length: 200 }, () => a.int(3, 5));
    expect(draws).toEqual(Array.from({ length: 200 }, () => b.int(3, 5)));
    expect(new Set(draws)).toEqual(new Set([3, 4, 5]));
  });

  it('never picks a choice of weight zero', () => {
    const prng = createPrng(9);
    const picks = Array.from({ length: 500 }, () => prng.weighted({ a: 1, b: 0, c: 3 }));
    expect(picks).not.toContain('b');
    expect(picks).toContain('a');
  });
});
