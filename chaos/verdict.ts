/**
 * What the chaos run concludes from what it saw: pure functions from a snapshot of Kubernetes, the DNS provider and
 * the loops to the violations, and the one line of figures.
 */
import type { FaultTarget, SiteSpec } from './schedule.js';

/** A Website as Kubernetes holds it. */
export interface SiteObject {
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  readonly deleting: boolean;
  readonly spec: Partial<SiteSpec>;
  /** The `Ready` condition, when the status has one. */
  readonly ready?: { readonly status: string; readonly observedGeneration: number };
}

/** A child object of the website operator (labelled `app.kubernetes.io/name=website`). */
export interface ChildObject {
  readonly kind: 'ConfigMap' | 'Deployment' | 'Service';
  readonly name: string;
  /** Its `app.kubernetes.io/instance` label: the Website it was made for. */
  readonly instance: string;
  readonly ownerUids: readonly string[];
  /** ConfigMap: its index.html. */
  readonly content?: string;
  /** Deployment: its spec.replicas. */
  readonly replicas?: number;
}

/** A loop as its `describe` query answers, or why it could not be asked. */
export interface LoopView {
  readonly phase?: string;
  readonly lastOutcome?: string;
  readonly lastGeneration?: number;
  /** The step and reason of a last run that did not converge: `available: 0 of 1 replicas available`. */
  readonly lastDetail?: string;
  readonly error?: string;
}

/** A DNS record at the provider. */
export interface RecordView {
  readonly id: string;
  readonly hostname: string;
  readonly target: string;
  readonly owner: string;
}

/** Everything the end-state checks look at, read at one moment. */
export interface WorldSnapshot {
  readonly namespace: string;
  readonly sites: readonly SiteObject[];
  readonly children: readonly ChildObject[];
  readonly records: readonly RecordView[];
  /** By Website name, for the Websites that exist. */
  readonly loops: ReadonlyMap<string, LoopView>;
}

/** One broken promise, by what was broken. */
export interface Violation {
  readonly kind:
    | 'lost'
    | 'not-deleted'
    | 'wrong-spec'
    | 'not-ready'
    | 'child-missing'
    | 'child-leaked'
    | 'dns-missing'
    | 'dns-duplicated'
    | 'dns-wrong'
    | 'dns-leaked'
    | 'stuck'
    | 'engine-guarantee'
    | 'workload'
    | 'restart-failed'
    | 'unreadable';
  readonly detail: string;
}

const CHILD_KINDS = ['ConfigMap', 'Deployment', 'Service'] as const;

/** The violations of the end state: Kubernetes and the DNS provider against the expected Websites, and their loops. */
export function stateViolations(world: WorldSnapshot, expected: ReadonlyMap<string, SiteSpec>): Violation[] {
  const violations: Violation[] = [];
  const byName = new Map(world.sites.map((site) => [site.name, site]));
  for (const site of world.sites)
    if (!expected.has(site.name))
      violations.push({
        kind: 'not-deleted',
        detail: `Website ${site.name} still exists (deleting: ${site.deleting})`,
      });
  for (const [name, spec] of expected) {
    const site = byName.get(name);
    if (!site) violations.push({ kind: 'lost', detail: `Website ${name} does not exist` });
    else violations.push(...siteViolations(site, spec, world));
  }
  violations.push(...leakViolations(world, expected));
  return violations;
}

function siteViolations(site: SiteObject, spec: SiteSpec, world: WorldSnapshot): Violation[] {
  const violations: Violation[] = [];
  const at = `Website ${site.name}`;
  if (
    site.spec.content !== spec.content ||
    site.spec.hostname !== spec.hostname ||
    site.spec.replicas !== spec.replicas
  )
    violations.push({
      kind: 'wrong-spec',
      detail: `${at} has spec ${JSON.stringify(site.spec)}, not the last written`,
    });
  if (site.ready?.status !== 'True' || site.ready.observedGeneration !== site.generation)
    violations.push({
      kind: 'not-ready',
      detail: `${at} Ready=${site.ready?.status ?? 'absent'} at generation ${site.ready?.observedGeneration ?? '-'} of ${site.generation}`,
    });
  violations.push(...loopViolations(site, world), ...childViolations(site, spec, world));
  return violations.concat(dnsViolations(site, spec, world));
}

function loopViolations(site: SiteObject, world: WorldSnapshot): Violation[] {
  const loop = world.loops.get(site.name);
  if (loop?.lastOutcome === 'converged' && loop.lastGeneration === site.generation) return [];
  const seen =
    loop?.error ??
    `phase ${loop?.phase}, last run ${loop?.lastOutcome}${loop?.lastDetail ? ` (${loop.lastDetail})` : ''} ` +
      `at generation ${loop?.lastGeneration} of ${site.generation}`;
  return [{ kind: 'stuck', detail: `Website ${site.name}'s loop: ${seen}` }];
}

function childViolations(site: SiteObject, spec: SiteSpec, world: WorldSnapshot): Violation[] {
  return CHILD_KINDS.flatMap((kind): Violation[] => {
    const child = world.children.find(
      (c) => c.kind === kind && c.instance === site.name && c.ownerUids.includes(site.uid),
    );
    const current =
      child &&
      (kind !== 'ConfigMap' || child.content === spec.content) &&
      (kind !== 'Deployment' || child.replicas === spec.replicas);
    if (current) return [];
    return [
      { kind: 'child-missing', detail: `Website ${site.name}: ${kind} ${child ? 'out of date' : 'missing'}` },
    ];
  });
}

function dnsViolations(site: SiteObject, spec: SiteSpec, world: WorldSnapshot): Violation[] {
  const records = world.records.filter((r) => r.owner === site.uid);
  const at = `Website ${site.name} (uid ${site.uid})`;
  if (records.length === 0) return [{ kind: 'dns-missing', detail: `${at} has no DNS record` }];
  if (records.length > 1)
    return [{ kind: 'dns-duplicated', detail: `${at} has ${records.length} DNS records` }];
  const [record] = records as [RecordView];
  const target = `${site.name}.${world.namespace}.svc.cluster.local`;
  if (record.hostname === spec.hostname && record.target === target) return [];
  return [
    {
      kind: 'dns-wrong',
      detail: `${at}: record ${record.hostname} → ${record.target}, want ${spec.hostname} → ${target}`,
    },
  ];
}

/** Children and DNS records that belong to no existing Website. */
function leakViolations(world: WorldSnapshot, expected: ReadonlyMap<string, SiteSpec>): Violation[] {
  const liveUids = new Set(world.sites.filter((s) => expected.has(s.name)).map((s) => s.uid));
  const violations: Violation[] = [];
  for (const child of world.children)
    if (!expected.has(child.instance) || !child.ownerUids.some((uid) => liveUids.has(uid)))
      violations.push({
        kind: 'child-leaked',
        detail: `${child.kind} ${child.name} of a deleted Website ${child.instance}`,
      });
  for (const record of world.records)
    if (!liveUids.has(record.owner))
      violations.push({
        kind: 'dns-leaked',
        detail: `DNS record ${record.hostname} of a deleted Website (uid ${record.owner})`,
      });
  return violations;
}

/** The figures of a run, for its one line. */
export interface ChaosFigures {
  readonly seed: number;
  readonly durationS: number;
  readonly faults: Readonly<Record<FaultTarget, number>>;
  readonly workload: { readonly creates: number; readonly edits: number; readonly deletes: number };
  readonly websites: number;
  readonly runs: number;
  readonly applies: number;
  /** Seconds from the end of the fault window until every check passed; undefined when it never did. */
  readonly settleS: number | undefined;
  readonly unplannedExits: number;
  readonly violations: number;
}

/** `chaos seed=… duration=…s faults=worker:…,watcher:…,temporal:…,apiserver:… …`: the run's one line. */
export function summaryLine(f: ChaosFigures): string {
  const faults = Object.entries(f.faults)
    .map(([k, n]) => `${k}:${n}`)
    .join(',');
  const { creates, edits, deletes } = f.workload;
  return [
    'chaos',
    `seed=${f.seed}`,
    `duration=${f.durationS}s`,
    `faults=${faults}`,
    `workload=create:${creates},edit:${edits},delete:${deletes}`,
    `websites=${f.websites}`,
    `runs=${f.runs}`,
    `applies=${f.applies}`,
    `settle=${f.settleS === undefined ? 'never' : `${f.settleS}s`}`,
    `unplanned-exits=${f.unplannedExits}`,
    `violations=${f.violations}`,
  ].join(' ');
}
