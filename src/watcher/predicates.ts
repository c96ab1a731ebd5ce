import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { canonicalJson } from '../core/canonical-json.js';

/** Which metadata changes of the primary resource make its loop run. */
export interface RelevanceOptions {
  /** React to label changes (default true). */
  readonly labels: boolean;
  /** React to annotation changes (default false: tools write annotations often). */
  readonly annotations: boolean;
}

type Observed = KubernetesObject & { metadata?: { generation?: number; deletionTimestamp?: unknown } };

/**
 * Why an update of a primary resource matters, or `undefined` when it does not.
 *
 * Relevant: a new generation (spec change), a deletion timestamp, a finalizer change, and (configurable) label and
 * annotation changes. Not relevant: status, `resourceVersion` and `managedFields` — so the engine's own status writes
 * never trigger runs.
 */
export function relevantChange(
  before: Observed,
  after: Observed,
  options: RelevanceOptions,
): string | undefined {
  const a = before.metadata ?? {};
  const b = after.metadata ?? {};
  const differs = (x: unknown, y: unknown) => canonicalJson(x ?? null) !== canonicalJson(y ?? null);
  const checks: readonly [boolean, () => string][] = [
    [a.uid !== b.uid, () => 'replaced'],
    [a.generation !== b.generation, () => `generation ${a.generation ?? 0} → ${b.generation ?? 0}`],
    [!a.deletionTimestamp && Boolean(b.deletionTimestamp), () => 'deletion requested'],
    [differs(a.finalizers ?? [], b.finalizers ?? []), () => 'finalizers changed'],
    [options.labels && differs(a.labels ?? {}, b.labels ?? {}), () => 'labels changed'],
    [options.annotations && differs(a.annotations ?? {}, b.annotations ?? {}), () => 'annotations changed'],
  ];
  return checks.find(([changed]) => changed)?.[1]();
}

/**
 * What the watcher compares of a related object (see `OperatorDefinition.watches`) to tell relevant changes from
 * noise: digests of its parts. Caveat: the informer still keeps the object itself (to report it deleted should it
 * vanish while no watch ran).
 */
export interface RelatedFingerprint {
  readonly uid: string;
  readonly deleting: boolean;
  readonly labels: string;
  readonly annotations: string;
  /** Everything but `metadata` (data, spec, status, …). */
  readonly content: string;
}

const digest = (value: unknown) =>
  createHash('sha256')
    .update(canonicalJson(value ?? null))
    .digest('base64');

/** The {@link RelatedFingerprint} of an object. */
export function relatedFingerprint(object: KubernetesObject): RelatedFingerprint {
  const { metadata, apiVersion: _apiVersion, kind: _kind, ...content } = object as Observed;
  return {
    uid: metadata?.uid ?? '',
    deleting: Boolean(metadata?.deletionTimestamp),
    labels: digest(metadata?.labels ?? {}),
    annotations: digest(metadata?.annotations ?? {}),
    content: digest(content),
  };
}

/**
 * Why a related object's update matters, or `undefined` when it does not.
 *
 * Relevant: a new object under the name, a deletion timestamp, any change outside `metadata` (a Secret's data, a
 * referenced resource's spec or status — a resource waiting for another to be ready must wake), and
 * (configurable, as for the primary kind) label and annotation changes. Not relevant: `resourceVersion`,
 * `managedFields` and other metadata bookkeeping, so a relist or a no-op update signals nothing.
 */
export function relatedChange(
  before: RelatedFingerprint,
  after: RelatedFingerprint,
  options: RelevanceOptions,
): string | undefined {
  const checks: readonly [boolean, string][] = [
    [before.uid !== after.uid, 'replaced'],
    [!before.deleting && after.deleting, 'deletion requested'],
    [before.content !== after.content, 'changed'],
    [options.labels && before.labels !== after.labels, 'labels changed'],
    [options.annotations && before.annotations !== after.annotations, 'annotations changed'],
  ];
  return checks.find(([changed]) => changed)?.[1];
}

/**
 * Why an event of a primary resource matters, or `undefined`. `before` is what the watcher last saw of it.
 *
 * A restarted informer (periodic relist, error) reports every object as ADDED again: one already seen is compared
 * like an update, so an unchanged object signals nothing and one changed while no watch ran signals its change.
 */
export function primaryChange(
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  before: Observed | undefined,
  after: Observed,
  options: RelevanceOptions & { readonly nowMs?: number },
): string | undefined {
  if (type === 'ADDED' && before === undefined && createdRecently(after, options.nowMs ?? Date.now()))
    return CREATED_REASON;
  if (type === 'DELETED' || before === undefined) return type.toLowerCase();
  return relevantChange(before, after, options);
}

/**
 * The reason of an object seen for the first time within a minute of its creation: most likely it has no loop
 * yet, so its loop is started rather than signalled (see `startOrSignal`; either way is correct).
 */
export const CREATED_REASON = 'created';

const RECENT_MS = 60_000;

function createdRecently(object: Observed, nowMs: number): boolean {
  const created = Date.parse(String(object.metadata?.creationTimestamp ?? ''));
  return Number.isFinite(created) && nowMs - created < RECENT_MS;
}

/**
 * Whether an owned object's event is news: a deletion, or a resourceVersion other than the one last seen (a relist
 * reports unchanged children as ADDED again).
 */
export function ownedChanged(
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  seenVersion: string | undefined,
  object: KubernetesObject,
): boolean {
  return type === 'DELETED' || seenVersion === undefined || seenVersion !== object.metadata?.resourceVersion;
}

interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly time?: string | Date;
}

/**
 * True when the last write to `object` was the engine's own (its field manager `manager`, as `kube.apply` and
 * `childStep` write): every field-manager entry is the engine's, or the engine's is strictly the newest (the
 * entries carry the time of each manager's last change, to the second; a tie is not the engine's).
 *
 * Why: the run that wrote it already read everything again after its apply, so the event of the engine's own write
 * needs no run; a write by anyone else — a person, another controller, a status update — still signals.
 */
export function lastWrittenBy(object: KubernetesObject, manager: string): boolean {
  const entries = (object.metadata?.managedFields ?? []) as readonly ManagedFieldsEntry[];
  const ours = entries.filter((e) => e.manager === manager);
  if (ours.length === 0) return false;
  const others = entries.filter((e) => e.manager !== manager);
  if (others.length === 0) return true;
  const newest = (list: readonly ManagedFieldsEntry[]) =>
    Math.max(...list.map((e) => (e.time ? new Date(e.time).getTime() : Number.POSITIVE_INFINITY)));
  return newest(ours) > newest(others);
}
