import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { ResourceRef } from '../core/resource-ref.js';
import { workflowIdFor } from '../core/resource-ref.js';
import type { OperatorDefinition } from '../operator/operator.js';
import type { WatcherConfig } from './config.js';
import { startHealthServer } from './http-server.js';
import { collectionPath, listerFor, type WatchedKind } from './kube-paths.js';
import { LeaderElector } from './leader-election.js';
import type { WatcherLogger } from './logger.js';
import { createWatcherMetrics, type WatcherMetrics } from './metrics.js';
import { ownerOf } from './owners.js';
import { relevantChange } from './predicates.js';
import { SignalQueue, type SignalSender } from './signal-queue.js';
import { type InformerTarget, SupervisedInformer } from './supervised-informer.js';

/** Inputs of {@link startWatcher}. */
export interface WatcherOptions {
  readonly operator: OperatorDefinition;
  readonly kube: KubeConfig;
  readonly sender: SignalSender;
  readonly config: WatcherConfig;
  readonly log: WatcherLogger;
}

/** A running watcher. */
export interface RunningWatcher {
  /** Port of the health and metrics server. */
  readonly port: number;
  readonly metrics: WatcherMetrics;
  readonly isLeader: () => boolean;
  /** Flushes pending signals (within `shutdownFlushMs`), releases the lease and stops everything. */
  stop(): Promise<void>;
}

type Snapshot = Pick<KubernetesObject, 'metadata'>;

/**
 * Watches the operator's resources and owned kinds and signals each affected resource's workflow.
 *
 * Guarantees: decides nothing about what to change; every relevant change reaches the right workflow as a
 * coalesced signal, also across informer failures (restart and relist) and Temporal outages (retries); only the
 * leader signals, and a new leader first signals every resource it knows.
 */
export async function startWatcher(options: WatcherOptions): Promise<RunningWatcher> {
  const { operator, kube, config, log } = options;
  const kind = operator.kind;
  const primaryKind: WatchedKind = { apiVersion: kind.apiVersion, kind: kind.kind, plural: kind.plural };
  const known = new Map<string, { ref: ResourceRef; snapshot: Snapshot }>();
  let leading = !config.leaderElection.enabled;
  // Each reads the other only later (at scrape time, on delivery), so the forward reference is safe.
  const metrics = createWatcherMetrics(() => signals.size);
  const signals = new SignalQueue({
    sender: options.sender,
    debounceMs: config.debounceMs,
    maxInFlight: config.maxInFlight,
    maxPerSecond: config.maxSignalsPerSecond,
    retryInitialMs: config.retryInitialMs,
    retryMaxMs: config.retryMaxMs,
    isLeader: () => leading,
    onDelivered: () => metrics.signalsSent.inc(),
    onFailed: (ref, error) => {
      metrics.signalsFailed.inc();
      log.warn('signal failed; will retry', { workflowId: workflowIdFor(ref), error: String(error) });
    },
  });

  const onPrimary = (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubernetesObject) => {
    metrics.events.inc({ kind: kind.kind, type });
    const name = object.metadata?.name;
    if (!name) return;
    const ref = kind.ref(name, object.metadata?.namespace);
    const key = workflowIdFor(ref);
    const before = known.get(key);
    if (type === 'DELETED') known.delete(key);
    else known.set(key, { ref, snapshot: { metadata: object.metadata ?? {} } });
    const reason =
      type === 'MODIFIED' && before
        ? relevantChange(before.snapshot, object, {
            labels: config.reactToLabels,
            annotations: config.reactToAnnotations,
          })
        : type.toLowerCase();
    if (reason) signals.enqueue(ref, reason);
  };
  const onOwned =
    (owned: WatchedKind) => (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubernetesObject) => {
      metrics.events.inc({ kind: owned.kind, type });
      const owner = ownerOf(object, kind);
      if (owner) signals.enqueue(owner, `${owned.kind} ${object.metadata?.name} ${type.toLowerCase()}`);
    };

  const namespaces =
    kind.scope === 'Cluster' || config.namespaces.length === 0 ? [undefined] : config.namespaces;
  const targets: InformerTarget[] = namespaces.flatMap((namespace) => [
    {
      name: kind.kind,
      path: collectionPath(primaryKind, namespace),
      list: listerFor(kube, primaryKind, namespace, config.labelSelector),
      ...(config.labelSelector ? { labelSelector: config.labelSelector } : {}),
      onEvent: onPrimary,
    },
    ...(operator.owns ?? []).map((owned) => ({
      name: owned.kind,
      path: collectionPath(owned, namespace),
      list: listerFor(kube, owned, namespace, undefined),
      onEvent: onOwned(owned),
    })),
  ]);
  const timing = {
    silentTimeoutMs: config.silentWatchTimeoutMs,
    relistIntervalMs: config.relistIntervalMs,
    restartInitialMs: 500,
    restartMaxMs: 30_000,
  };
  const hooks = {
    log,
    onRestart: (target: string, why: string) =>
      metrics.watchRestarts.inc({ kind: target, reason: why.split(':')[0] ?? why }),
  };
  const informers = targets.map((target) => new SupervisedInformer(kube, target, timing, hooks));

  const resyncAll = (why: string) => {
    for (const { ref } of known.values()) signals.enqueue(ref, why);
  };
  const elector = config.leaderElection.enabled
    ? new LeaderElector({
        kube,
        namespace: config.leaderElection.namespace,
        leaseName: config.leaderElection.leaseName ?? `staircase-${operator.name}-watcher`,
        identity: config.leaderElection.identity ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
        leaseDurationMs: config.leaderElection.leaseDurationMs,
        retryPeriodMs: config.leaderElection.retryPeriodMs,
        log,
        onStartedLeading: () => {
          leading = true;
          metrics.leader.set(1);
          resyncAll('new leader');
        },
        onStoppedLeading: () => {
          leading = false;
          metrics.leader.set(0);
          signals.clear();
        },
      })
    : undefined;
  metrics.leader.set(leading ? 1 : 0);

  await Promise.all(informers.map((informer) => informer.start()));
  elector?.start();
  const health = await startHealthServer(
    { live: () => true, ready: () => informers.every((i) => i.synced), registry: metrics.registry },
    config.health.host,
    config.health.port,
  );
  log.info('watcher started', { kind: kind.kind, namespaces: config.namespaces, port: health.port });

  return {
    port: health.port,
    metrics,
    isLeader: () => leading,
    stop: () =>
      stopAll(signals, informers, elector, health.server, config.shutdownFlushMs, log, () => leading),
  };
}

async function stopAll(
  signals: SignalQueue,
  informers: readonly SupervisedInformer[],
  elector: LeaderElector | undefined,
  server: Server,
  flushMs: number,
  log: WatcherLogger,
  leading: () => boolean,
): Promise<void> {
  await Promise.all(informers.map((informer) => informer.stop()));
  const left = leading() ? await signals.flush(flushMs) : 0;
  if (left > 0)
    log.warn('shutting down with undelivered changes; the next leader resyncs them', { pending: left });
  signals.close();
  await elector?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  log.info('watcher stopped');
}
