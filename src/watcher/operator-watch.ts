import type { KubernetesObject } from '@kubernetes/client-node';
import { type ResourceRef, workflowIdFor } from '../core/resource-ref.js';
import { fieldManagerOf, type OperatorDefinition, type RelatedKind } from '../operator/operator.js';
import { readsClusterWide } from '../operator/rbac-scope.js';
import type { ResourceKind, ResourceOf } from '../operator/resource-kind.js';
import type { WatchedKind } from '../runtime/kube-paths.js';
import type { WatcherConfig } from './config.js';
import type { KindInformers, WatchEventType } from './kind-informers.js';
import type { WatcherLogger } from './logger.js';
import { ownerOf } from './owners.js';
import {
  lastWrittenBy,
  ownedChanged,
  primaryChange,
  type RelatedFingerprint,
  relatedChange,
  relatedFingerprint,
} from './predicates.js';
import { mapRelated, type PrimaryView } from './related.js';
import type { SignalQueue } from './signal-queue.js';

interface Known {
  readonly ref: ResourceRef;
  readonly snapshot: Pick<KubernetesObject, 'metadata'>;
  /** The resource with its parsed spec; absent while the spec is invalid. */
  readonly resource: ResourceOf<ResourceKind> | undefined;
}

/**
 * One operator's part of the watcher: its cache of primary resources, and the handlers that turn events of its
 * primary, owned and related kinds into changes on its signal queue.
 *
 * Guarantees: handlers never throw (a failing `map` is logged and the event skipped), so one operator's mapper
 * cannot stop events reaching another operator sharing the informer. With namespaces configured, every kind is
 * listed and watched in each of them only, unless it must be read cluster-wide (`readsClusterWide`: a
 * cluster-scoped operator kind, related kinds of scope `Cluster`) — the same split `staircase rbac --namespaces`
 * grants. The label selector applies to the operator's kind only: owned and related kinds are watched unfiltered
 * (children need not carry their owner's labels, and the engine marks its children by controller owner reference,
 * which no label selector can select), and their changes signal only resources in this watcher's cache, that is in
 * its namespaces and matching its selector; a child whose owner is not (yet) cached signals nothing — the owner's
 * own event, when it is listed, does.
 */
export class OperatorWatch {
  readonly #known = new Map<string, Known>();
  #resources: ResourceOf<ResourceKind>[] | undefined;
  readonly #related = new Map<string, RelatedFingerprint>();
  /** resourceVersions of owned objects last seen, so a relist's unchanged children signal nothing. */
  readonly #ownedVersions = new Map<string, string>();
  /** The field manager the operator's steps write with (`kube.apply`, `childStep`). */
  readonly #fieldManager: string;

  constructor(
    readonly operator: OperatorDefinition,
    readonly signals: SignalQueue,
    private readonly config: WatcherConfig,
    private readonly log: WatcherLogger,
  ) {
    this.#fieldManager = fieldManagerOf(operator);
  }

  /** Subscribes this operator's handlers for its primary, owned and related kinds. */
  subscribe(informers: KindInformers): void {
    const kind = this.operator.kind;
    const primary: WatchedKind = { apiVersion: kind.apiVersion, kind: kind.kind, plural: kind.plural };
    const namespaces = this.#namespaces('Namespaced');
    const selector = this.config.labelSelector;
    for (const namespace of namespaces) {
      informers.subscribe({ kind: primary, namespace, labelSelector: selector }, (t, o) =>
        this.#onPrimary(t, o),
      );
      for (const owned of this.operator.owns ?? [])
        informers.subscribe({ kind: owned, namespace }, (t, o) => this.#onOwned(owned, t, o));
    }
    for (const watch of this.operator.watches ?? []) {
      for (const namespace of this.#namespaces(watch.scope ?? 'Namespaced'))
        informers.subscribe({ kind: watch, namespace }, (t, o) => this.#onRelated(watch, t, o));
    }
  }

  /** Signals every known resource (a new leader does this first). */
  resyncAll(why: string): void {
    for (const { ref } of this.#known.values()) this.signals.enqueue(ref, why);
  }

  #namespaces(scope: 'Namespaced' | 'Cluster'): (string | undefined)[] {
    const clusterWide = readsClusterWide(this.operator, scope);
    return clusterWide || this.config.namespaces.length === 0 ? [undefined] : this.config.namespaces;
  }

  #onPrimary(type: WatchEventType, object: KubernetesObject): void {
    const kind = this.operator.kind;
    const name = object.metadata?.name;
    if (!name) return;
    const ref = kind.ref(name, object.metadata?.namespace);
    const key = workflowIdFor(ref);
    const before = this.#known.get(key);
    this.#resources = undefined;
    if (type === 'DELETED') this.#known.delete(key);
    else
      this.#known.set(key, {
        ref,
        snapshot: { metadata: object.metadata ?? {} },
        resource: parsed(kind, object),
      });
    const reason = primaryChange(type, before?.snapshot, object, {
      labels: this.config.reactToLabels,
      annotations: this.config.reactToAnnotations,
    });
    if (reason) this.signals.enqueue(ref, reason);
  }

  #onOwned(owned: WatchedKind, type: WatchEventType, object: KubernetesObject): void {
    const owner = ownerOf(object, this.operator.kind);
    // Only owners in scope: a child of a resource outside the namespaces or label selector starts no loop.
    if (!owner || !this.#known.has(workflowIdFor(owner))) return;
    const key = `${owned.apiVersion}/${owned.plural}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
    const changed = ownedChanged(type, this.#ownedVersions.get(key), object);
    if (type === 'DELETED') this.#ownedVersions.delete(key);
    else this.#ownedVersions.set(key, object.metadata?.resourceVersion ?? '');
    // The engine's own write was checked by the run that made it (it reads everything again after an apply).
    if (type !== 'DELETED' && lastWrittenBy(object, this.#fieldManager)) return;
    if (changed) this.signals.enqueue(owner, `${owned.kind} ${object.metadata?.name} ${type.toLowerCase()}`);
  }

  #onRelated(watch: RelatedKind, type: WatchEventType, object: KubernetesObject): void {
    const key = `${watch.apiVersion}/${watch.plural}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
    const before = this.#related.get(key);
    const after = relatedFingerprint(object);
    if (type === 'DELETED') this.#related.delete(key);
    else this.#related.set(key, after);
    const reason =
      type === 'DELETED'
        ? 'deleted'
        : before
          ? relatedChange(before, after, {
              labels: this.config.reactToLabels,
              annotations: this.config.reactToAnnotations,
            })
          : 'added';
    if (!reason) return;
    try {
      for (const ref of mapRelated(watch, object, this.#view()))
        this.signals.enqueue(ref, `${watch.kind} ${object.metadata?.name} ${reason}`);
    } catch (error) {
      this.log.warn('mapping a related object failed; change skipped', {
        operator: this.operator.name,
        error: String(error),
        cause: String((error as Error).cause),
      });
    }
  }

  #view(): PrimaryView<ResourceKind> {
    return {
      kind: this.operator.kind,
      resources: () => {
        this.#resources ??= [...this.#known.values()].flatMap((k) => (k.resource ? [k.resource] : []));
        return this.#resources;
      },
      knows: (workflowId) => this.#known.has(workflowId),
    };
  }
}

function parsed(kind: ResourceKind, object: KubernetesObject): ResourceOf<ResourceKind> | undefined {
  const result = kind.parseSpec((object as { spec?: unknown }).spec);
  return result.ok ? ({ ...object, spec: result.spec } as ResourceOf<ResourceKind>) : undefined;
}
