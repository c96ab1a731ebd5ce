import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { ResourceRef } from '../../core/resource-ref.js';
import { binarySourcesFromEnv } from '../../devenv/binary-sources.js';
import { BINARY_SETS } from '../../devenv/components.js';
import { type KubeControlPlane, startControlPlane } from '../../devenv/control-plane.js';
import { pathsOf, provisionBinaries, requireBinary } from '../../devenv/provision.js';
import { startTemporalDevServer } from '../../devenv/temporal-dev-server.js';
import { waitFor } from '../../devenv/wait.js';
import { Watchdog } from '../../devenv/watchdog.js';
import type { DevHooks, OperatorDefinition } from '../../operator/operator.js';
import { resolveOptions } from '../../operator/operator.js';
import { parseWatcherConfig } from '../../watcher/config.js';
import { temporalSignalSender } from '../../watcher/temporal-sender.js';
import { startWatcher } from '../../watcher/watcher.js';
import { createEngineWorker } from '../../worker/create-worker.js';
import { describeAll, progressLine, workflowsLink } from '../dev-progress.js';
import { UsageError } from '../errors.js';
import { loadOperatorModule } from '../load-operator.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase dev [--operator MODULE] [--exit-when-ready] [--timeout S] [--kube-context NAME]

Starts the Temporal dev server with its web UI and a local Kubernetes control plane (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and a kwok node) — or uses your kube context — installs the CRD, runs the
worker and the watcher in this process, applies the operator's sample resources and shows their progress.
Ctrl-C stops everything.
  --operator MODULE     default: the website example (examples/website/operator.ts)
  --exit-when-ready     exit 0 once every sample is Ready; non-zero naming the stuck ones on timeout
  --timeout S           seconds to wait with --exit-when-ready (default 300)
  --kube-context NAME   use this context of your kubeconfig instead of starting a control plane`;

const log = (message: string) => process.stdout.write(`${message}\n`);
type Stop = () => Promise<void>;

/** `staircase dev`: everything on an embedded default. */
export const devCommand = {
  summary: 'run everything locally: Temporal with UI, Kubernetes, worker, watcher and the samples',
  async run(argv: string[]): Promise<number> {
    const flags = {
      operator: { type: 'string' },
      'exit-when-ready': { type: 'boolean' },
      timeout: { type: 'string' },
      'kube-context': { type: 'string' },
    } as const;
    const parsed = parseFlags(argv, flags, HELP);
    if (!parsed) return 0;
    const timeoutS = Number(parsed.values.timeout ?? 300);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0)
      throw new UsageError(`--timeout "${parsed.values.timeout}" is not a number of seconds`);
    // Worker state changes and bundling details are noise here; warnings still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const { operator, dev } = await loadOperatorModule(parsed.values.operator);
    const stops: Stop[] = [];
    const stopAll = async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    };
    const interrupted = new Promise<number>((resolve) => {
      const onSignal = () => resolve(130);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    try {
      const session = await startSession(operator, dev, parsed.values['kube-context'], stops);
      const watching = watchProgress(
        session,
        operator,
        dev,
        parsed.values['exit-when-ready'] === true,
        timeoutS,
      );
      return await Promise.race([watching, interrupted]);
    } finally {
      log('stopping…');
      await stopAll();
    }
  },
};

interface Session {
  readonly client: Client;
  readonly refs: readonly ResourceRef[];
}

async function startSession(
  operator: OperatorDefinition,
  dev: DevHooks | undefined,
  kubeContext: string | undefined,
  stops: Stop[],
): Promise<Session> {
  const workDir = await mkdtemp(join(tmpdir(), 'staircase-dev-'));
  const watchdog = Watchdog.start();
  stops.push(async () => watchdog.close());
  const sources = binarySourcesFromEnv(process.env);
  const names = [...BINARY_SETS.temporal, ...(kubeContext ? [] : BINARY_SETS.full)];
  const binaries = pathsOf(await provisionBinaries(names, sources, (m) => log(`[setup] ${m}`)));
  log(`[setup] starting servers (logs in ${workDir})…`);
  const [temporal, plane] = await Promise.all([
    startTemporalDevServer({
      binary: requireBinary(binaries, 'temporal'),
      workDir: join(workDir, 'temporal'),
      watchdog,
      ui: true,
    }),
    kubeContext
      ? Promise.resolve(undefined)
      : startControlPlane({ binaries, workDir: join(workDir, 'kube'), watchdog, profile: 'full' }),
  ]);
  stops.push(() => temporal.stop());
  if (plane) stops.push(() => plane.stop());
  const kube = kubeConfigFor(plane, kubeContext);
  log(`[setup] Temporal ${temporal.address}; Kubernetes ${kube.getCurrentCluster()?.server}`);
  if (dev?.startServices) {
    const services = await dev.startServices();
    stops.push(() => services.stop());
    log(`[setup] ${services.description}`);
  }
  await installCrd(kube, operator);
  const options = resolveOptions(operator);
  const worker = await startWorker(operator, kube, temporal.address, options.taskQueue);
  stops.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  stops.push(() => client.connection.close());
  const watcher = await startWatcher({
    operator,
    kube,
    sender: temporalSignalSender(client, { taskQueue: options.taskQueue, config: options.loop }),
    config: parseWatcherConfig({
      leaderElection: { enabled: false },
      health: { host: '127.0.0.1', port: 0 },
    }),
    log: {
      info() {},
      warn: (m, f) => log(`[watcher] ${m} ${JSON.stringify(f ?? {})}`),
      error: (m, f) => log(`[watcher] ${m} ${JSON.stringify(f ?? {})}`),
    },
  });
  stops.push(() => watcher.stop());
  const refs = await applySamples(kube, operator, dev);
  if (temporal.uiUrl)
    log(
      `\nTemporal UI: ${temporal.uiUrl}\n  this operator's workflows: ${workflowsLink(temporal.uiUrl, 'default', operator.kind.kind)}\n`,
    );
  return { client, refs };
}

function kubeConfigFor(plane: KubeControlPlane | undefined, context: string | undefined): KubeConfig {
  const kube = new KubeConfig();
  if (plane) {
    kube.loadFromFile(plane.admin.path);
    return kube;
  }
  kube.loadFromDefault();
  if (context && !kube.getContexts().some((c) => c.name === context))
    throw new UsageError(`no kube context named "${context}"`);
  if (context) kube.setCurrentContext(context);
  return kube;
}

async function installCrd(kube: KubeConfig, operator: OperatorDefinition): Promise<void> {
  const crd = operator.kind.crd();
  await KubernetesObjectApi.makeApiClient(kube).patch(
    crd as never,
    undefined,
    undefined,
    'staircase-dev',
    true,
    PatchStrategy.ServerSideApply,
  );
  const api = kube.makeApiClient(ApiextensionsV1Api);
  const name = crd.metadata?.name ?? '';
  await waitFor(
    async () => {
      const current = await api.readCustomResourceDefinition({ name });
      return (
        current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined
      );
    },
    { what: `the CRD ${name} to become Established`, timeoutMs: 30_000 },
  );
}

async function startWorker(
  operator: OperatorDefinition,
  kube: KubeConfig,
  address: string,
  taskQueue: string,
): Promise<Worker> {
  const worker = await createEngineWorker({
    operator,
    connection: await NativeConnection.connect({ address }),
    kube,
    taskQueue,
  });
  void worker.run().catch((error: unknown) => log(`[worker] stopped: ${String(error)}`));
  return worker;
}

async function applySamples(
  kube: KubeConfig,
  operator: OperatorDefinition,
  dev: DevHooks | undefined,
): Promise<ResourceRef[]> {
  const api = KubernetesObjectApi.makeApiClient(kube);
  const refs: ResourceRef[] = [];
  for (const sample of dev?.samples ?? []) {
    const namespace = operator.kind.scope === 'Namespaced' ? (sample.namespace ?? 'default') : undefined;
    const metadata = { name: sample.name, ...(namespace ? { namespace } : {}) };
    const body = {
      apiVersion: operator.kind.apiVersion,
      kind: operator.kind.kind,
      metadata,
      spec: sample.spec,
    };
    await api.patch(body, undefined, undefined, 'staircase-dev', true, PatchStrategy.ServerSideApply);
    refs.push(operator.kind.ref(sample.name, namespace));
    log(`[setup] applied ${operator.kind.kind} ${namespace ? `${namespace}/` : ''}${sample.name}`);
  }
  return refs;
}

async function watchProgress(
  session: Session,
  operator: OperatorDefinition,
  dev: DevHooks | undefined,
  exitWhenReady: boolean,
  timeoutS: number,
): Promise<number> {
  const deadline = Date.now() + timeoutS * 1000;
  const shown = new Map<ResourceRef, string>();
  if (!dev?.samples.length)
    log(`no samples in the operator module; create ${operator.kind.kind} resources to see them reconciled`);
  for (;;) {
    const descriptions = await describeAll(session.client, session.refs);
    for (const [ref, description] of descriptions) {
      const line = progressLine(ref, description);
      if (shown.get(ref) !== line) log(line);
      shown.set(ref, line);
    }
    const ready = [...descriptions.values()].every((d) => d?.lastRun?.outcome.kind === 'converged');
    if (exitWhenReady && ready) {
      log(`every ${operator.kind.kind} is Ready`);
      return 0;
    }
    if (exitWhenReady && Date.now() > deadline) {
      const stuck = [...descriptions].filter(([, d]) => d?.lastRun?.outcome.kind !== 'converged');
      log(
        `timed out after ${timeoutS} s; not Ready: ${stuck.map(([ref, d]) => progressLine(ref, d)).join('; ')}`,
      );
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
