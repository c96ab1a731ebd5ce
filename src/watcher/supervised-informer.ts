import type { KubernetesObject } from '@kubernetes/client-node';
import { backoffDelay } from '../core/backoff.js';
import type { KubeEndpoint } from '../runtime/kube-http.js';
import { keyOf, ListWatch } from './list-watch.js';
import type { WatcherLogger } from './logger.js';

/** What to watch and what to do with each event. */
export interface InformerTarget {
  /** A short name for logs and metrics (`primary`, `ConfigMap`). */
  readonly name: string;
  /** API path of the collection, e.g. `/api/v1/configmaps` or `/apis/g/v1/namespaces/ns/things`. */
  readonly path: string;
  readonly labelSelector?: string;
  /** `type` is ADDED, MODIFIED or DELETED; ADDED also for every object of each (re)list. */
  readonly onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubernetesObject) => void;
}

/** Timing of {@link SupervisedInformer}. */
export interface InformerTiming {
  /** Restart a watch that showed no sign of life (event or reconnect) for this long. */
  readonly silentTimeoutMs: number;
  /** Start afresh (a full list) this often, so a missed event heals. */
  readonly relistIntervalMs: number;
  readonly restartInitialMs: number;
  readonly restartMaxMs: number;
}

/** Counters the supervisor reports. */
export interface InformerHooks {
  readonly log: WatcherLogger;
  readonly onRestart: (target: string, why: string) => void;
}

/**
 * An informer ({@link ListWatch}) that does not stay dead: it is replaced by a new one (a fresh list, then a watch)
 * after an error, after a silent period, and periodically.
 *
 * Guarantees: after {@link SupervisedInformer.stop} no callback runs. Every (re)list reports every object as ADDED,
 * and every object reported before but missing from the new list as DELETED (it was deleted while no watch ran),
 * so subscribers' caches never keep deleted objects.
 * Caveats: between an error and the restart (backoff up to `restartMaxMs`) events are not seen; the relist after
 * the restart reports the current state.
 */
export class SupervisedInformer {
  #informer: ListWatch | undefined;
  #generation = 0;
  #lastActivity = Date.now();
  #lastRelist = Date.now();
  #failures = 0;
  #synced = false;
  #stopped = false;
  #ticker: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  /** The last state of every object reported, across informer generations, by namespace/name. */
  readonly #reported = new Map<string, KubernetesObject>();

  constructor(
    private readonly kube: KubeEndpoint,
    private readonly target: InformerTarget,
    private readonly timing: InformerTiming,
    private readonly hooks: InformerHooks,
  ) {}

  /** True once a list has succeeded since the last (re)start. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Starts watching; resolves after the first attempt (successful or not; failures restart by themselves). */
  async start(): Promise<void> {
    this.#ticker = setInterval(() => this.#tick(), Math.min(1_000, this.timing.silentTimeoutMs / 2));
    this.#ticker.unref();
    await this.#launch();
  }

  /** Stops for good. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#ticker) clearInterval(this.#ticker);
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    await this.#retire();
  }

  async #launch(): Promise<void> {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const current = () => generation === this.#generation && !this.#stopped;
    // The API server sends bookmarks only every minute or two: ending each watch before the silent timeout keeps
    // a quiet collection from being taken for a dead one (a reconnect is a sign of life).
    const maxWatchSeconds = Math.min(
      600,
      Math.max(1, Math.floor((this.timing.silentTimeoutMs * 0.8) / 1000)),
    );
    const informer = new ListWatch(
      this.kube,
      { ...this.target, maxWatchSeconds },
      {
        onEvent: (type, object) => {
          if (!current()) return;
          this.#lastActivity = Date.now();
          if (type === 'DELETED') this.#reported.delete(keyOf(object));
          else this.#reported.set(keyOf(object), object);
          this.target.onEvent(type, object);
        },
        onAlive: () => {
          if (current()) this.#lastActivity = Date.now();
        },
        onError: (error) => {
          if (current())
            this.#scheduleRestart(`error: ${error instanceof Error ? error.message : String(error)}`);
        },
      },
    );
    this.#informer = informer;
    this.#synced = false;
    this.#lastActivity = Date.now();
    this.#lastRelist = Date.now();
    await informer.start();
    if (current() && this.#restartTimer === undefined) {
      this.#synced = true;
      this.#failures = 0;
      this.#reportVanished(informer.list());
    }
  }

  /** Reports as DELETED what was reported before but is not in the fresh list. */
  #reportVanished(listed: readonly KubernetesObject[]): void {
    const present = new Set(listed.map(keyOf));
    for (const [key, object] of [...this.#reported]) {
      if (present.has(key)) continue;
      this.#reported.delete(key);
      this.target.onEvent('DELETED', object);
    }
  }

  /** Stops the current informer; its late callbacks are ignored (they belong to an old generation). */
  async #retire(): Promise<void> {
    const informer = this.#informer;
    this.#informer = undefined;
    this.#generation += 1;
    informer?.stop();
  }

  #scheduleRestart(why: string): void {
    if (this.#stopped || this.#restartTimer) return;
    this.#synced = false;
    this.#failures += 1;
    const delay = backoffDelay(this.#failures, {
      initialMs: this.timing.restartInitialMs,
      maxMs: this.timing.restartMaxMs,
    });
    this.hooks.log.warn('watch restarting', { target: this.target.name, why, delayMs: delay });
    this.hooks.onRestart(this.target.name, why);
    void this.#retire();
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      void this.#launch().catch((error: unknown) => this.#scheduleRestart(`start failed: ${String(error)}`));
    }, delay);
    this.#restartTimer.unref();
  }

  #tick(): void {
    if (this.#stopped || this.#restartTimer) return;
    const now = Date.now();
    if (now - this.#lastActivity > this.timing.silentTimeoutMs) this.#scheduleRestart('silent watch');
    else if (now - this.#lastRelist > this.timing.relistIntervalMs) this.#relist();
  }

  #relist(): void {
    this.hooks.log.info('periodic relist', { target: this.target.name });
    this.hooks.onRestart(this.target.name, 'periodic relist');
    void this.#retire();
    void this.#launch().catch((error: unknown) => this.#scheduleRestart(`relist failed: ${String(error)}`));
  }
}
