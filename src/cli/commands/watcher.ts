import { startOperatorRuntime } from '../../runtime/operator-runtime.js';
import { parseWatcherConfig } from '../../watcher/config.js';
import { jsonLogger } from '../../watcher/logger.js';
import { kubeEndpointFrom, temporalSettings } from '../connections.js';
import { loadOperators, operatorHelp, operatorPaths, taskQueueFlag } from '../load-operator.js';
import { flagOrEnv, parseFlags, TEMPORAL_FLAGS, TEMPORAL_HELP, validated } from '../parse.js';

const HELP = `staircase watcher --operator MODULE [--kubeconfig FILE] [options] [temporal flags]

Watches the operator's resources (and owned and related kinds) and signals each resource's workflow. Run two
replicas: they elect a leader with a Lease. With several operators (several --operator flags, or a module exporting
an array) one process watches for all of them, each kind once. Flags override environment variables.
${operatorHelp(29)}
  --kubeconfig FILE          (KUBECONFIG) in-cluster service account when absent
  --namespaces a,b           (STAIRCASE_WATCH_NAMESPACES) default: all namespaces
  --label-selector SELECTOR  (STAIRCASE_LABEL_SELECTOR)
  --debounce-ms N            a resource's first change is signalled at once; changes within N ms after a
                             signal become one more (default 200)
  --max-in-flight N          signals in flight at once (default 64)
  --max-signals-per-second N (default 500)
  --relist-interval-ms N     list every kind afresh this often; only changed objects are signalled (default 600000)
  --task-queue NAME          (STAIRCASE_TASK_QUEUE) default: the operator's; one operator only
  --lease-namespace NS       (STAIRCASE_LEASE_NAMESPACE) default: default
  --lease-duration-ms N      (default 15000)   --lease-retry-ms N (default 2000)
  --no-leader-election       signal from this process alone
  --identity NAME            (POD_NAME) leader-election identity
  --health-port PORT         (STAIRCASE_HEALTH_PORT) /healthz /readyz /metrics, default 8080

${TEMPORAL_HELP}`;

const FLAGS = {
  operator: { type: 'string', multiple: true },
  kubeconfig: { type: 'string' },
  namespaces: { type: 'string' },
  'label-selector': { type: 'string' },
  'debounce-ms': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'max-signals-per-second': { type: 'string' },
  'relist-interval-ms': { type: 'string' },
  'task-queue': { type: 'string' },
  'lease-namespace': { type: 'string' },
  'lease-duration-ms': { type: 'string' },
  'lease-retry-ms': { type: 'string' },
  'no-leader-election': { type: 'boolean' },
  identity: { type: 'string' },
  'health-port': { type: 'string' },
} as const;

const num = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const defined = <T extends object>(object: T) =>
  Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

function configFrom(
  values: Record<string, string | boolean | readonly string[] | undefined>,
  env: NodeJS.ProcessEnv,
) {
  const text = (flag: string, variable?: string) => flagOrEnv(values, flag, env, variable);
  const namespaces = text('namespaces', 'STAIRCASE_WATCH_NAMESPACES');
  return parseWatcherConfig(
    defined({
      namespaces: namespaces ? namespaces.split(',').filter(Boolean) : undefined,
      labelSelector: text('label-selector', 'STAIRCASE_LABEL_SELECTOR'),
      debounceMs: num(text('debounce-ms')),
      maxInFlight: num(text('max-in-flight')),
      maxSignalsPerSecond: num(text('max-signals-per-second')),
      relistIntervalMs: num(text('relist-interval-ms')),
      leaderElection: defined({
        enabled: values['no-leader-election'] ? false : undefined,
        namespace: text('lease-namespace', 'STAIRCASE_LEASE_NAMESPACE'),
        leaseDurationMs: num(text('lease-duration-ms')),
        retryPeriodMs: num(text('lease-retry-ms')),
        identity: text('identity', 'POD_NAME'),
      }),
      health: defined({ port: num(text('health-port', 'STAIRCASE_HEALTH_PORT')) }),
    }),
  );
}

/** `staircase watcher`: the production watcher. */
export const watcherCommand = {
  summary: 'run the watcher (Kubernetes changes → workflow signals) for production',
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags(argv, { ...FLAGS, ...TEMPORAL_FLAGS }, HELP);
    if (!parsed) return 0;
    const { values } = parsed;
    const env = process.env;
    const config = configFrom(values, env);
    const settings = validated('Temporal settings', () => temporalSettings(values, env));
    const { operators } = await loadOperators(operatorPaths(values.operator, env));
    const taskQueueOf = taskQueueFlag(values['task-queue'] ?? env.STAIRCASE_TASK_QUEUE, operators);
    const log = jsonLogger('watcher');
    const runtime = await startOperatorRuntime({
      operators,
      temporal: settings,
      kube: await kubeEndpointFrom(values.kubeconfig ?? env.KUBECONFIG),
      ...(taskQueueOf ? { taskQueueOf } : {}),
      worker: false,
      watcher: { config, log },
    });
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    log.info('shutting down', { signal });
    await runtime.stop();
    return 0;
  },
};
