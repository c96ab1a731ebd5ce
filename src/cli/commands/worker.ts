import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { GracefulShutdownPeriodExpiredError, Runtime } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { startOperatorRuntime } from '../../runtime/operator-runtime.js';
import { startHealthServer } from '../../watcher/http-server.js';
import { type WorkerTuning, WorkerTuningSchema, workerOptionsOf } from '../../worker/tuning.js';
import { kubeEndpointFrom, temporalSettings } from '../connections.js';
import { UsageError } from '../errors.js';
import { loadOperators, operatorHelp, operatorPaths, taskQueueFlag } from '../load-operator.js';
import { parseFlags, TEMPORAL_FLAGS, TEMPORAL_HELP, validated } from '../parse.js';

const HELP = `staircase worker --operator MODULE [--kubeconfig FILE] [--task-queue NAME] [--metrics-port PORT] [temporal flags]

Runs the engine's workflows and the operator's activities. Run as many replicas as you like. With several
operators (several --operator flags, or a module exporting an array), one worker per operator runs on the
operator's own task queue, all on one Temporal connection.
${operatorHelp(24)}
  --kubeconfig FILE     (KUBECONFIG) in-cluster service account when absent
  --task-queue NAME     (STAIRCASE_TASK_QUEUE) default: the operator's (staircase-<name>); one operator only
  --metrics-port PORT   (STAIRCASE_METRICS_PORT) serve the Temporal SDK's Prometheus metrics on 0.0.0.0:PORT
  --otlp-endpoint URL   (OTEL_EXPORTER_OTLP_ENDPOINT) export OpenTelemetry traces over OTLP/HTTP to URL/v1/traces
  --health-port PORT    (STAIRCASE_HEALTH_PORT) /healthz, and /readyz: 200 once the workers poll Temporal
Tuning, per operator's worker (docs/performance.md says what each trades):
  --max-cached-workflows N              (STAIRCASE_MAX_CACHED_WORKFLOWS) loops kept in memory (≥ 2), default 1000
  --max-concurrent-workflow-tasks N     (STAIRCASE_MAX_CONCURRENT_WORKFLOW_TASKS) default 40
  --max-concurrent-activities N         (STAIRCASE_MAX_CONCURRENT_ACTIVITIES) applies at once, default 100
  --max-concurrent-local-activities N   (STAIRCASE_MAX_CONCURRENT_LOCAL_ACTIVITIES) checks at once, default 100
  --workflow-task-pollers N             (STAIRCASE_WORKFLOW_TASK_POLLERS) default 4
  --activity-task-pollers N             (STAIRCASE_ACTIVITY_TASK_POLLERS) default 2
  --shutdown-force-seconds N            (STAIRCASE_SHUTDOWN_FORCE_SECONDS) on SIGTERM, wait this long for
                                        running steps, then stop without them; default 20
Started before Temporal is up, the worker waits for it (one line per attempt on stderr) instead of exiting.

${TEMPORAL_HELP}`;

function tracingFrom(endpoint: string | undefined) {
  if (!endpoint) return {};
  if (!/^https?:\/\//.test(endpoint))
    throw new UsageError(`--otlp-endpoint "${endpoint}" is not an http(s) URL`);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` });
  return { tracing: { spanProcessor: new BatchSpanProcessor(exporter) } };
}

function portOf(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^\d+$/.test(value)) throw new UsageError(`--${flag} "${value}" is not a port`);
  return value;
}

/** `/healthz` (always 200 while the process runs) and `/readyz` (200 while `ready()`) on 0.0.0.0:`port`. */
function serveHealth(port: number, ready: () => boolean) {
  return startHealthServer({ live: () => true, ready, registry: new Registry() }, '0.0.0.0', port);
}

/**
 * Waits for the workers to stop. A stop that outlasted the force time ended with steps still running, and the SDK
 * then fails the worker (`GracefulShutdownPeriodExpiredError`, or an error about workflow contexts it could not
 * dispose of): that is said on stderr, not an error. Any other failure is rethrown.
 */
async function untilStopped(done: Promise<void>, forceMs: number): Promise<void> {
  let stopAskedAt: number | undefined;
  const mark = () => {
    stopAskedAt ??= Date.now();
  };
  process.once('SIGTERM', mark).once('SIGINT', mark);
  try {
    await done;
  } catch (error) {
    const outlasted = stopAskedAt !== undefined && Date.now() - stopAskedAt >= forceMs;
    if (!outlasted && !(error instanceof GracefulShutdownPeriodExpiredError)) throw error;
    process.stderr.write(
      `staircase worker: steps still running ${forceMs / 1_000} s after the stop (--shutdown-force-seconds); stopped without them, their loops run them again\n`,
    );
  } finally {
    process.off('SIGTERM', mark).off('SIGINT', mark);
  }
}

const TUNING_FLAGS = {
  'max-cached-workflows': 'maxCachedWorkflows',
  'max-concurrent-workflow-tasks': 'maxConcurrentWorkflowTasks',
  'max-concurrent-activities': 'maxConcurrentActivities',
  'max-concurrent-local-activities': 'maxConcurrentLocalActivities',
  'workflow-task-pollers': 'workflowTaskPollers',
  'activity-task-pollers': 'activityTaskPollers',
  'shutdown-force-seconds': 'shutdownForceSeconds',
} as const;

/** The worker tuning from flags, then `STAIRCASE_<FLAG>` variables, then the defaults. */
function tuningFrom(values: Record<string, unknown>, env: NodeJS.ProcessEnv): WorkerTuning {
  const given = Object.entries(TUNING_FLAGS).flatMap(([flag, key]) => {
    const variable = `STAIRCASE_${flag.replaceAll('-', '_').toUpperCase()}`;
    const text = typeof values[flag] === 'string' ? values[flag] : env[variable];
    return text === undefined ? [] : [[key, Number(text)]];
  });
  return validated('worker tuning', () => WorkerTuningSchema.parse(Object.fromEntries(given)));
}

/** `staircase worker`: the production worker. */
export const workerCommand = {
  summary: 'run the engine worker (workflows and activities) for production',
  async run(argv: string[]): Promise<number> {
    const flags = {
      operator: { type: 'string', multiple: true },
      kubeconfig: { type: 'string' },
      'task-queue': { type: 'string' },
      'metrics-port': { type: 'string' },
      'otlp-endpoint': { type: 'string' },
      'health-port': { type: 'string' },
      ...Object.fromEntries(Object.keys(TUNING_FLAGS).map((flag) => [flag, { type: 'string' }] as const)),
    } as const;
    const parsed = parseFlags(argv, { ...flags, ...TEMPORAL_FLAGS }, HELP);
    if (!parsed) return 0;
    const { values } = parsed;
    const env = process.env;
    const settings = validated('Temporal settings', () => temporalSettings(values, env));
    const tuning = workerOptionsOf(tuningFrom(values, env));
    const metricsPort = portOf('metrics-port', values['metrics-port'] ?? env.STAIRCASE_METRICS_PORT);
    const healthPort = portOf('health-port', values['health-port'] ?? env.STAIRCASE_HEALTH_PORT);
    if (metricsPort)
      Runtime.install({
        telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } },
      });
    const { operators } = await loadOperators(operatorPaths(values.operator, env));
    const taskQueueOf = taskQueueFlag(values['task-queue'] ?? env.STAIRCASE_TASK_QUEUE, operators);
    const tracing = tracingFrom(values['otlp-endpoint'] ?? env.OTEL_EXPORTER_OTLP_ENDPOINT);
    let ready = false;
    const health = healthPort ? await serveHealth(Number(healthPort), () => ready) : undefined;
    const waiting = new AbortController();
    const abortWait = () => waiting.abort();
    process.once('SIGTERM', abortWait).once('SIGINT', abortWait);
    const runtime = await startOperatorRuntime({
      operators,
      temporal: settings,
      kube: await kubeEndpointFrom(values.kubeconfig ?? env.KUBECONFIG),
      ...(taskQueueOf ? { taskQueueOf } : {}),
      worker: {
        ...tracing,
        tuning,
        // A bundle made at image build time (scripts/bundle-workflows.ts) spares bundling at start-up.
        ...(env.STAIRCASE_WORKFLOW_BUNDLE
          ? { workflowBundle: { codePath: env.STAIRCASE_WORKFLOW_BUNDLE } }
          : {}),
        waitForTemporal: {
          log: (line) => process.stderr.write(`staircase worker: ${line}\n`),
          signal: waiting.signal,
        },
      },
      watcher: false,
    })
      .catch((error: unknown) => {
        health?.server.close();
        // Stopped while waiting for Temporal: a clean exit, as after any SIGTERM.
        if (waiting.signal.aborted) return undefined;
        throw error;
      })
      .finally(() => {
        process.off('SIGTERM', abortWait).off('SIGINT', abortWait);
      });
    if (!runtime) {
      process.stderr.write('staircase worker: stopped before Temporal was reachable\n');
      return 0;
    }
    ready = true;
    // The SDK shuts the workers down gracefully on SIGINT and SIGTERM; `done` settles once they have.
    try {
      await untilStopped(runtime.done, tuning.shutdownForceTime);
    } finally {
      ready = false;
      await runtime.stop();
      health?.server.close();
      // Export the spans still batched before the process exits.
      await tracing.tracing?.spanProcessor.shutdown();
    }
    return 0;
  },
};
