/**
 * The watcher process: `tsx src/watcher/main.ts --operator <module> [flags]` (the `staircase watcher` command wraps
 * it). Flags override environment variables; both are validated before anything starts.
 *
 * Flags (environment): --operator (STAIRCASE_OPERATOR), --kubeconfig (KUBECONFIG; in-cluster when absent),
 * --temporal-address (TEMPORAL_ADDRESS, default localhost:7233), --temporal-namespace (TEMPORAL_NAMESPACE, default
 * `default`), --namespaces a,b (STAIRCASE_WATCH_NAMESPACES), --label-selector (STAIRCASE_LABEL_SELECTOR),
 * --debounce-ms, --lease-namespace (STAIRCASE_LEASE_NAMESPACE), --lease-duration-ms, --lease-retry-ms,
 * --no-leader-election, --health-port (STAIRCASE_HEALTH_PORT, default 8080), --identity (POD_NAME),
 * --task-queue (STAIRCASE_TASK_QUEUE; default: the operator's).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import { parseWatcherConfig } from './config.js';
import { jsonLogger } from './logger.js';
import { temporalSignalSender } from './temporal-sender.js';
import { startWatcher } from './watcher.js';

const { values } = parseArgs({
  options: {
    operator: { type: 'string' },
    kubeconfig: { type: 'string' },
    'temporal-address': { type: 'string' },
    'temporal-namespace': { type: 'string' },
    namespaces: { type: 'string' },
    'label-selector': { type: 'string' },
    'debounce-ms': { type: 'string' },
    'lease-namespace': { type: 'string' },
    'lease-duration-ms': { type: 'string' },
    'lease-retry-ms': { type: 'string' },
    'no-leader-election': { type: 'boolean' },
    'health-port': { type: 'string' },
    identity: { type: 'string' },
    'task-queue': { type: 'string' },
  },
});
const env = process.env;
const log = jsonLogger('watcher');
const num = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const defined = <T extends object>(object: T) =>
  Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

function configFromFlags() {
  const namespaces = values.namespaces ?? env.STAIRCASE_WATCH_NAMESPACES;
  return parseWatcherConfig(
    defined({
      namespaces: namespaces ? namespaces.split(',').filter(Boolean) : undefined,
      labelSelector: values['label-selector'] ?? env.STAIRCASE_LABEL_SELECTOR,
      debounceMs: num(values['debounce-ms']),
      leaderElection: defined({
        enabled: values['no-leader-election'] ? false : undefined,
        namespace: values['lease-namespace'] ?? env.STAIRCASE_LEASE_NAMESPACE,
        leaseDurationMs: num(values['lease-duration-ms']),
        retryPeriodMs: num(values['lease-retry-ms']),
        identity: values.identity ?? env.POD_NAME,
      }),
      health: defined({ port: num(values['health-port'] ?? env.STAIRCASE_HEALTH_PORT) }),
    }),
  );
}

async function loadOperator(): Promise<OperatorDefinition> {
  const module = values.operator ?? env.STAIRCASE_OPERATOR;
  if (!module)
    throw new Error('--operator (or STAIRCASE_OPERATOR) is required: the module defining the operator');
  const imported = (await import(pathToFileURL(resolve(module)).href)) as { default?: OperatorDefinition };
  const operator = imported.default;
  if (!operator?.kind || typeof operator.plan !== 'function') {
    throw new Error(`${module} has no operator definition as its default export`);
  }
  return operator;
}

function loadKubeConfig(): KubeConfig {
  const kube = new KubeConfig();
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  if (kubeconfig) kube.loadFromFile(kubeconfig);
  else kube.loadFromCluster();
  return kube;
}

async function main(): Promise<void> {
  const config = configFromFlags();
  const operator = await loadOperator();
  const kube = loadKubeConfig();
  const connection = await Connection.connect({
    address: values['temporal-address'] ?? env.TEMPORAL_ADDRESS ?? 'localhost:7233',
  });
  const client = new Client({
    connection,
    namespace: values['temporal-namespace'] ?? env.TEMPORAL_NAMESPACE ?? 'default',
  });
  const options = resolveOptions(operator);
  const taskQueue = values['task-queue'] ?? env.STAIRCASE_TASK_QUEUE ?? options.taskQueue;
  const watcher = await startWatcher({
    operator,
    kube,
    sender: temporalSignalSender(client, { taskQueue, config: options.loop }),
    config,
    log,
  });
  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    await watcher.stop();
    await connection.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  log.error('watcher failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
