import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { workflowIdFor } from '../core/resource-ref.js';
import type { OperatorDefinition } from '../operator/operator.js';
import { checkOperatorSet } from '../operator/operator-set.js';
import type { KubeEndpoint } from '../runtime/kube-http.js';
import type { WatcherConfig } from './config.js';
import { startHealthServer } from './http-server.js';
import { KindInformers } from './kind-informers.js';
import { LeaderElector } from './leader-election.js';
import type { WatcherLogger } from './logger.js';
import { createWatcherMetrics, type WatcherMetrics } from './metrics.js';
import { OperatorWatch } from './operator-watch.js';
import { SignalQueue, type SignalSender } from './signal-queue.js';

/** One operator the watcher serves, and where its changes go. */
export interface WatchedOperator {
  readonly operator: OperatorDefinition;
  /** Delivers this operator's change signals (in production: `signalWithStart` on its task queue). */
  readonly sender: SignalSender;
}

/** Inputs of {@link startWatcher}. */
export interface WatcherOptions {
  /** The operators to watch for; distinct kinds (see `checkOperatorSet`). */
  readonly operators: readonly WatchedOperator[];
  readonly kube: KubeEndpoint;
  readonly config: WatcherConfig;
  readonly log: WatcherLogger;
}

/** A running watcher. */
export interface RunningWatcher {
  /** Port of the health and metrics server. */
  readonly port: number;
  readonly metrics: WatcherMetrics;
  readonly isLeader: () => boolean;
  /** Number of informers (collections listed and watched): one per kind and namespace, however many use it. */
  readonly informers: number;
  /** Flushes pending signals (within `shutdownFlushMs`), releases the lease and stops everything. */
  stop(): Promise<void>;
}

/**
 * Watches the operators' resources, owned kinds and related kinds (`watches`), and signals each affected
 * resource's workflow.
 *
 * Guarantees: decides nothing about what to change; every relevant change reaches the right workflow as a
 * coalesced signal, also across informer failures (restart and relist) and Temporal outages (retries); only the
 * leader signals, and a new leader first signals every resource it knows. Several operators share one lease, one
 * informer per watched collection and one health server; each has its own signal queue, so one operator's backlog
 * does not delay another's signals.
 *
 * Scope: with `config.namespaces`, each kind is read in those namespaces only, unless it must be read cluster-wide
 * (a cluster-scoped operator kind, related kinds of scope `Cluster`): what `staircase rbac --namespaces` grants.
 * `config.labelSelector` selects the operators' own kinds only; owned and related kinds are watched unfiltered, and
 * their changes signal only resources the watcher knows (in its namespaces, matching its selector).
 *
 * @throws {OperatorSetError} when two operators share a kind or a name.
 */
export async function startWatcher(options: WatcherOptions): Promise<RunningWatcher> {
  const { kube, config, log } = options;
  checkOperatorSet(
    options.operators.map((o) => o.operator),
    (operator) => operator.name,
  );
  let leading = !config.leaderElection.enabled;
  // Each reads the other only later (at scrape time, on delivery), so the forward reference is safe.
  const metrics = createWatcherMetrics(() => watches.reduce((sum, w) => sum + w.signals.size, 0));
  const watches = options.operators.map(
    ({ operator, sender }) =>
      new OperatorWatch(
        operator,
        signalQueue(sender, config, metrics, log, () => leading),
        config,
        log,
      ),
  );
  const informers = new KindInformers(
    kube,
    informerTiming(config),
    informerHooks(log, metrics),
    (kind, type) => metrics.events.inc({ kind, type }),
  );
  for (const watch of watches) watch.subscribe(informers);

  const names = options.operators.map((o) => o.operator.name);
  const elector = config.leaderElection.enabled
    ? new LeaderElector({
        kube,
        namespace: config.leaderElection.namespace,
        leaseName: config.leaderElection.leaseName ?? `staircase-${names.join('-')}-watcher`,
        identity: config.leaderElection.identity ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
        leaseDurationMs: config.leaderElection.leaseDurationMs,
        retryPeriodMs: config.leaderElection.retryPeriodMs,
        log,
        onStartedLeading: () => {
          leading = true;
          metrics.leader.set(1);
          for (const watch of watches) watch.resyncAll('new leader');
        },
        onStoppedLeading: () => {
          leading = false;
          metrics.leader.set(0);
          for (const watch of watches) watch.signals.clear();
        },
      })
    : undefined;
  metrics.leader.set(leading ? 1 : 0);

  await informers.start();
  elector?.start();
  const health = await startHealthServer(
    { live: () => true, ready: () => informers.synced, registry: metrics.registry },
    config.health.host,
    config.health.port,
  );
  const kinds = options.operators.map((o) => o.operator.kind.kind);
  log.info('watcher started', { kinds, namespaces: config.namespaces, port: health.port });

  return {
    port: health.port,
    metrics,
    isLeader: () => leading,
    informers: informers.size,
    stop: () =>
      stopAll(
        watches.map((w) => w.signals),
        informers,
        elector,
        health.server,
        config.shutdownFlushMs,
        log,
        () => leading,
      ),
  };
}

function signalQueue(
  sender: SignalSender,
  config: WatcherConfig,
  metrics: WatcherMetrics,
  log: WatcherLogger,
  isLeader: () => boolean,
): SignalQueue {
  return new SignalQueue({
    sender,
    debounceMs: config.debounceMs,
    maxInFlight: config.maxInFlight,
    maxPerSecond: config.maxSignalsPerSecond,
    retryInitialMs: config.retryInitialMs,
    retryMaxMs: config.retryMaxMs,
    isLeader,
    onDelivered: () => metrics.signalsSent.inc(),
    onFailed: (ref, error) => {
      metrics.signalsFailed.inc();
      log.warn('signal failed; will retry', { workflowId: workflowIdFor(ref), error: String(error) });
    },
  });
}

function informerTiming(config: WatcherConfig) {
  return {
    silentTimeoutMs: config.silentWatchTimeoutMs,
    relistIntervalMs: config.relistIntervalMs,
    restartInitialMs: 500,
    restartMaxMs: 30_000,
  };
}

function informerHooks(log: WatcherLogger, metrics: WatcherMetrics) {
  return {
    log,
    onRestart: (target: string, why: string) =>
      metrics.watchRestarts.inc({ kind: target, reason: why.split(':')[0] ?? why }),
  };
}

async function stopAll(
  queues: readonly SignalQueue[],
  informers: KindInformers,
  elector: LeaderElector | undefined,
  server: Server,
  flushMs: number,
  log: WatcherLogger,
  leading: () => boolean,
): Promise<void> {
  await informers.stop();
  const left = leading() ? await Promise.all(queues.map((queue) => queue.flush(flushMs))) : [];
  const pending = left.reduce((sum, n) => sum + n, 0);
  if (pending > 0)
    log.warn('shutting down with undelivered changes; the next leader resyncs them', { pending });
  for (const queue of queues) queue.close();
  await elector?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  log.info('watcher stopped');
}
