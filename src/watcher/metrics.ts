import { Counter, Gauge, Registry } from 'prom-client';

/** The watcher's Prometheus metrics, in a registry of their own. */
export interface WatcherMetrics {
  readonly registry: Registry;
  /** Kubernetes events seen, by watched kind and event type. */
  readonly events: Counter<'kind' | 'type'>;
  readonly signalsSent: Counter;
  readonly signalsFailed: Counter;
  /** Resources with a change not yet delivered. */
  readonly pending: Gauge;
  readonly watchRestarts: Counter<'kind' | 'reason'>;
  /** 1 while this process leads, else 0. */
  readonly leader: Gauge;
}

/** Creates the watcher's metrics; `pendingSize` is read at scrape time. */
export function createWatcherMetrics(pendingSize: () => number): WatcherMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    events: new Counter({
      name: 'staircase_watcher_events_total',
      help: 'Kubernetes watch events seen, by kind and type',
      labelNames: ['kind', 'type'],
      registers,
    }),
    signalsSent: new Counter({
      name: 'staircase_watcher_signals_sent_total',
      help: 'Change signals delivered to Temporal',
      registers,
    }),
    signalsFailed: new Counter({
      name: 'staircase_watcher_signals_failed_total',
      help: 'Change signal deliveries that failed (they are retried)',
      registers,
    }),
    pending: new Gauge({
      name: 'staircase_watcher_pending_resources',
      help: 'Resources with a change not yet delivered',
      registers,
      collect() {
        this.set(pendingSize());
      },
    }),
    watchRestarts: new Counter({
      name: 'staircase_watcher_watch_restarts_total',
      help: 'Informer restarts, by kind and reason (error, silent watch, periodic relist)',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    leader: new Gauge({
      name: 'staircase_watcher_leader',
      help: '1 while this watcher is the leader',
      registers,
    }),
  };
}
