import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeEndpoint } from '../runtime/kube-http.js';
import { collectionPath, type WatchedKind } from '../runtime/kube-paths.js';
import { type InformerHooks, type InformerTiming, SupervisedInformer } from './supervised-informer.js';

/** A watch event type as the informers report it (every object of a (re)list comes as `ADDED`). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Receives the events of one watched collection. */
export type WatchHandler = (type: WatchEventType, object: KubernetesObject) => void;

/** One collection to watch: a kind, in one namespace (all when absent), optionally by label selector. */
export interface WatchRequest {
  readonly kind: WatchedKind;
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
}

interface Entry {
  readonly request: WatchRequest;
  readonly path: string;
  readonly handlers: WatchHandler[];
}

/**
 * One informer per watched collection, shared by everyone who asks for it: a kind that is the primary of one
 * operator and owned or watched by another, or owned by two operators, is listed and watched once, and each event
 * goes to every subscriber in the order they subscribed.
 *
 * Guarantees: collections are told apart by API path and label selector — the same kind with and without a label
 * selector is watched twice. Caveats: subscribe everything before {@link KindInformers.start}; later subscriptions
 * are refused.
 */
export class KindInformers {
  readonly #entries = new Map<string, Entry>();
  #informers: SupervisedInformer[] = [];

  /** @param onEvent called once per event of each collection, before its handlers (metrics). */
  constructor(
    private readonly kube: KubeEndpoint,
    private readonly timing: InformerTiming,
    private readonly hooks: InformerHooks,
    private readonly onEvent: (kind: string, type: WatchEventType) => void = () => {},
  ) {}

  /** Adds `handler` to the collection's informer, creating it on first request. */
  subscribe(request: WatchRequest, handler: WatchHandler): void {
    if (this.#informers.length > 0) throw new Error('subscribe before the informers start');
    const path = collectionPath(request.kind, request.namespace);
    const key = `${path}?${request.labelSelector ?? ''}`;
    const entry = this.#entries.get(key) ?? { request, path, handlers: [] };
    entry.handlers.push(handler);
    this.#entries.set(key, entry);
  }

  /** Number of distinct informers (collections watched). */
  get size(): number {
    return this.#entries.size;
  }

  /** True once every informer has listed since its last (re)start. */
  get synced(): boolean {
    return this.#informers.every((informer) => informer.synced);
  }

  /** Starts every informer; resolves after each one's first attempt. */
  async start(): Promise<void> {
    this.#informers = [...this.#entries.values()].map((entry) => this.#informerFor(entry));
    await Promise.all(this.#informers.map((informer) => informer.start()));
  }

  /** Stops every informer; no handler runs afterwards. */
  async stop(): Promise<void> {
    await Promise.all(this.#informers.map((informer) => informer.stop()));
  }

  #informerFor(entry: Entry): SupervisedInformer {
    const { kind, labelSelector } = entry.request;
    const fanOut: WatchHandler = (type, object) => {
      this.onEvent(kind.kind, type);
      for (const handler of entry.handlers) handler(type, object);
    };
    return new SupervisedInformer(
      this.kube,
      {
        name: kind.kind,
        path: entry.path,
        ...(labelSelector ? { labelSelector } : {}),
        onEvent: fanOut,
      },
      this.timing,
      this.hooks,
    );
  }
}
