import type { KubeConfig } from '@kubernetes/client-node';
import { onTestFinished } from 'vitest';
import type { OperatorDefinition } from '../../src/operator/operator.js';
import { parseWatcherConfig, type WatcherConfig } from '../../src/watcher/config.js';
import type { WatcherLogger } from '../../src/watcher/logger.js';
import { temporalSignalSender } from '../../src/watcher/temporal-sender.js';
import { type RunningWatcher, startWatcher } from '../../src/watcher/watcher.js';
import type { TestEngine } from './engine.js';
import { adminKubeConfig } from './kube.js';

const silent: WatcherLogger = { info() {}, warn() {}, error() {} };

/** Starts an in-process watcher for `operator` in `namespace`, signalling `engine`'s loops; stopped after the test. */
export async function startTestWatcher(
  operator: OperatorDefinition,
  engine: TestEngine,
  namespace: string,
  overrides: Record<string, unknown> = {},
  kube: KubeConfig = adminKubeConfig(),
): Promise<RunningWatcher> {
  const config: WatcherConfig = parseWatcherConfig({
    namespaces: [namespace],
    leaderElection: { enabled: false },
    health: { host: '127.0.0.1', port: 0 },
    ...overrides,
  });
  const watcher = await startWatcher({
    operators: [{ operator, sender: temporalSignalSender(engine.client, engine.target) }],
    kube,
    config,
    log: silent,
  });
  onTestFinished(() => watcher.stop());
  return watcher;
}

/** The value of a metric series in Prometheus text, or 0 when absent. */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
