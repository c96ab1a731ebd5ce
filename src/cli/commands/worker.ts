import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Runtime } from '@temporalio/worker';
import { resolveOptions } from '../../operator/operator.js';
import { createEngineWorker } from '../../worker/create-worker.js';
import { connectWorker, kubeConfigFrom, temporalSettings } from '../connections.js';
import { UsageError } from '../errors.js';
import { loadOperator, operatorHelp, operatorPath } from '../load-operator.js';
import { parseFlags, TEMPORAL_FLAGS, TEMPORAL_HELP, validated } from '../parse.js';

const HELP = `staircase worker --operator MODULE [--kubeconfig FILE] [--task-queue NAME] [--metrics-port PORT] [temporal flags]

Runs the engine's workflows and the operator's activities. Run as many replicas as you like.
${operatorHelp(24)}
  --kubeconfig FILE     (KUBECONFIG) in-cluster service account when absent
  --task-queue NAME     (STAIRCASE_TASK_QUEUE) default: the operator's (staircase-<name>)
  --metrics-port PORT   (STAIRCASE_METRICS_PORT) serve the Temporal SDK's Prometheus metrics on 0.0.0.0:PORT
  --otlp-endpoint URL   (OTEL_EXPORTER_OTLP_ENDPOINT) export OpenTelemetry traces over OTLP/HTTP to URL/v1/traces

${TEMPORAL_HELP}`;

function tracingFrom(endpoint: string | undefined) {
  if (!endpoint) return {};
  if (!/^https?:\/\//.test(endpoint))
    throw new UsageError(`--otlp-endpoint "${endpoint}" is not an http(s) URL`);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` });
  return { tracing: { spanProcessor: new BatchSpanProcessor(exporter) } };
}

/** `staircase worker`: the production worker. */
export const workerCommand = {
  summary: 'run the engine worker (workflows and activities) for production',
  async run(argv: string[]): Promise<number> {
    const flags = {
      operator: { type: 'string' },
      kubeconfig: { type: 'string' },
      'task-queue': { type: 'string' },
      'metrics-port': { type: 'string' },
      'otlp-endpoint': { type: 'string' },
    } as const;
    const parsed = parseFlags(argv, { ...flags, ...TEMPORAL_FLAGS }, HELP);
    if (!parsed) return 0;
    const { values } = parsed;
    const env = process.env;
    const settings = validated('Temporal settings', () => temporalSettings(values, env));
    const metricsPort = values['metrics-port'] ?? env.STAIRCASE_METRICS_PORT;
    if (metricsPort !== undefined && !/^\d+$/.test(metricsPort))
      throw new UsageError(`--metrics-port "${metricsPort}" is not a port`);
    if (metricsPort)
      Runtime.install({
        telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } },
      });
    const operator = await loadOperator(operatorPath(values.operator, env));
    const tracing = tracingFrom(values['otlp-endpoint'] ?? env.OTEL_EXPORTER_OTLP_ENDPOINT);
    const worker = await createEngineWorker({
      operator,
      connection: await connectWorker(settings),
      namespace: settings.namespace,
      kube: kubeConfigFrom(values.kubeconfig ?? env.KUBECONFIG),
      taskQueue: values['task-queue'] ?? env.STAIRCASE_TASK_QUEUE ?? resolveOptions(operator).taskQueue,
      ...tracing,
      // A bundle made at image build time (scripts/bundle-workflows.ts) spares bundling at start-up.
      ...(env.STAIRCASE_WORKFLOW_BUNDLE
        ? { workflowBundle: { codePath: env.STAIRCASE_WORKFLOW_BUNDLE } }
        : {}),
    });
    // The SDK shuts the worker down gracefully on SIGINT and SIGTERM; run() resolves once it has.
    await worker.run();
    // Export the spans still batched before the process exits.
    await tracing.tracing?.spanProcessor.shutdown();
    return 0;
  },
};
