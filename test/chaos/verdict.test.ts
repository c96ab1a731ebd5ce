import { describe, expect, it } from 'vitest';
import type { SiteSpec } from '../../chaos/schedule.js';
import { type ChildObject, stateViolations, summaryLine, type WorldSnapshot } from '../../chaos/verdict.js';

const NS = 'chaos';
const SPEC: SiteSpec = { content: '<h1>a</h1>', hostname: 'a-1.chaos.test', replicas: 2 };

function children(name: string, uid: string, spec = SPEC): ChildObject[] {
  const base = { instance: name, ownerUids: [uid] };
  return [
    { ...base, kind: 'ConfigMap', name: `${name}-content`, content: spec.content },
    { ...base, kind: 'Deployment', name, replicas: spec.replicas },
    { ...base, kind: 'Service', name },
  ];
}

/** A world in which Website `a` (uid u1) is exactly as expected. */
function healthy(): WorldSnapshot {
  return {
    namespace: NS,
    sites: [
      {
        name: 'a',
        uid: 'u1',
        generation: 3,
        deleting: false,
        spec: SPEC,
        ready: { status: 'True', observedGeneration: 3 },
      },
    ],
    children: children('a', 'u1'),
    records: [{ id: 'r1', hostname: SPEC.hostname, target: `a.${NS}.svc.cluster.local`, owner: 'u1' }],
    loops: new Map([['a', { phase: 'Ready', lastOutcome: 'converged', lastGeneration: 3 }]]),
  };
}

const expected = new Map([['a', SPEC]]);
const kinds = (world: WorldSnapshot, want = expected) => stateViolations(world, want).map((v) => v.kind);

describe('the chaos verdict', () => {
  it('finds nothing wrong with a converged world', () => {
    expect(stateViolations(healthy(), expected)).toEqual([]);
  });

  it.each([
    ['lost', (w: WorldSnapshot) => ({ ...w, sites: [] })],
    [
      'dns-duplicated',
      (w: WorldSnapshot) => ({ ...w, records: [...w.records, { ...w.records[0], id: 'r2' }] }),
    ],
    ['dns-missing', (w: WorldSnapshot) => ({ ...w, records: [] })],
    [
      'dns-wrong',
      (w: WorldSnapshot) => ({ ...w, records: w.records.map((r) => ({ ...r, hostname: 'old.chaos.test' })) }),
    ],
    [
      'dns-leaked',
      (w: WorldSnapshot) => ({ ...w, records: [...w.records, { ...w.records[0], id: 'r9', owner: 'gone' }] }),
    ],
    ['child-leaked', (w: WorldSnapshot) => ({ ...w, children: [...w.children, ...children('b', 'u-old')] })],
    [
      'child-missing',
      (w: WorldSnapshot) => ({ ...w, children: w.children.filter((c) => c.kind !== 'Service') }),
    ],
    ['not-ready', (w: WorldSnapshot) => ({ ...w, sites: w.sites.map((s) => ({ ...s, generation: 4 })) })],
    [
      'stuck',
      (w: WorldSnapshot) => ({ ...w, loops: new Map([['a', { error: 'describe failed: not found' }]]) }),
    ],
  ] as const)('names %s', (kind, spoil) => {
    expect(kinds(spoil(healthy()) as WorldSnapshot)).toContain(kind);
  });

  it('names a Website that should be gone, and a child made for an earlier incarnation of a live one', () => {
    const world = healthy();
    const stale = { ...world, children: [...world.children, ...children('a', 'u0')] };
    expect(kinds(stale)).toEqual(['child-leaked', 'child-leaked', 'child-leaked']);
    expect(kinds(world, new Map())).toContain('not-deleted');
  });

  it('prints one line of figures beginning with the seed', () => {
    const line = summaryLine({
      seed: 7,
      durationS: 61,
      faults: { worker: 3, watcher: 2, temporal: 1, apiserver: 1 },
      workload: { creates: 1, edits: 5, deletes: 2 },
      websites: 4,
      runs: 80,
      applies: 40,
      settleS: 12.5,
      unplannedExits: 0,
      violations: 0,
    });
    expect(line).toBe(
      'chaos seed=7 duration=61s faults=worker:3,watcher:2,temporal:1,apiserver:1 ' +
        'workload=create:1,edit:5,delete:2 websites=4 runs=80 applies=40 settle=12.5s unplanned-exits=0 violations=0',
    );
  });
});
