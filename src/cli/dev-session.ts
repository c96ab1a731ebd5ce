import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import type { LogLevel } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { ResourceRef } from '../core/resource-ref.js';
import { binarySourcesFromEnv } from '../devenv/binary-sources.js';
import { BINARY_SETS } from '../devenv/components.js';
import { type KubeControlPlane, startControlPlane } from '../devenv/control-plane.js';
import { installCrd } from '../devenv/install-crd.js';
import { type BinaryPaths, pathsOf, provisionBinaries, requireBinary } from '../devenv/provision.js';
import { startTemporalDevServer } from '../devenv/temporal-dev-server.js';
import { Watchdog } from '../devenv/watchdog.js';
import type { DevHooks, OperatorDefinition } from '../operator/operator.js';
import { resolveOptions } from '../operator/operator.js';
import { parseWatcherConfig } from '../watcher/config.js';
import { temporalSignalSender } from '../watcher/temporal-sender.js';
import { startWatcher } from '../watcher/watcher.js';
import { createEngineWorker } from '../worker/create-worker.js';
import { devWatcherLogger } from './dev-logger.js';
import { workflowsLink } from './dev-progress.js';
import { applySamples } from './dev-samples.js';
import { UsageError } from './errors.js';

/** A clean-up step; run in reverse order when `staircase dev` stops. */
export type Stop = () => Promise<void>;

/** What {@link startDevSession} needs. */
export interface DevSessionOptions {
  readonly operator: OperatorDefinition;
  readonly dev?: DevHooks | undefined;
  /** Use this context of the user's kubeconfig instead of starting a control plane. */
  readonly kubeContext?: string | undefined;
  /** Folder for the servers' data and logs. */
  readonly workDir: string;
  readonly logLevel: LogLevel;
  readonly log: (line: string) => void;
  /** Receives a clean-up step for everything started, as soon as it is started. */
  readonly stops: Stop[];
}

/** The running session: a Temporal client and the samples' references. */
export interface DevSession {
  readonly client: Client;
  readonly refs: readonly ResourceRef[];
}

/**
 * Starts Temporal (with UI) and a control plane (or uses a kube context), installs the CRD, runs the worker and the
 * watcher in this process, applies the samples, and prints where to look: the UI link and a `kubectl` line.
 */
export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
  const { operator, dev, log, stops } = options;
  const { temporal, plane, binaries } = await startServers(options);
  const kube = kubeConfigFor(plane, options.kubeContext);
  log(`[setup] Temporal ${temporal.address}; Kubernetes ${kube.getCurrentCluster()?.server}`);
  if (dev?.startServices) {
    const services = await dev.startServices();
    stops.push(() => services.stop());
    log(`[setup] ${services.description}`);
  }
  await installCrd(kube, operator.kind.crd());
  const resolved = resolveOptions(operator);
  const worker = await startWorker(operator, kube, temporal.address, resolved.taskQueue, log);
  stops.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  stops.push(() => client.connection.close());
  const watcher = await startWatcher({
    operator,
    kube,
    sender: temporalSignalSender(client, { taskQueue: resolved.taskQueue, config: resolved.loop }),
    config: parseWatcherConfig({
      leaderElection: { enabled: false },
      health: { host: '127.0.0.1', port: 0 },
    }),
    log: devWatcherLogger(options.logLevel, (text) => process.stdout.write(text)),
  });
  stops.push(() => watcher.stop());
  const refs = await applySamples(kube, operator, dev, log);
  log('');
  if (temporal.uiUrl) {
    log(`Temporal UI: ${temporal.uiUrl}`);
    log(`  this operator's workflows: ${workflowsLink(temporal.uiUrl, 'default', operator.kind.kind)}`);
  }
  for (const line of kubectlLines(operator, plane, options.kubeContext, binaries)) log(line);
  log(`Loop control (staircase status|reconcile|pause|resume ${operator.kind.kind} NAME):`);
  log(`  export TEMPORAL_ADDRESS=${temporal.address}`);
  log('');
  return { client, refs };
}

async function startServers(options: DevSessionOptions) {
  const { kubeContext, workDir, log, stops } = options;
  const watchdog = Watchdog.start();
  stops.push(async () => watchdog.close());
  const names = [...BINARY_SETS.temporal, ...(kubeContext ? [] : BINARY_SETS.full)];
  const sources = binarySourcesFromEnv(process.env);
  const binaries = pathsOf(await provisionBinaries(names, sources, (m) => log(`[setup] ${m}`)));
  log(`[setup] starting servers (data and logs in ${workDir})…`);
  // Settle both before going on, so that whatever started is stopped even when the other failed.
  const [temporal, plane] = await Promise.allSettled([
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
  if (temporal.status === 'fulfilled') stops.push(() => temporal.value.stop());
  if (plane.status === 'fulfilled' && plane.value) stops.push(() => plane.value?.stop() ?? Promise.resolve());
  if (temporal.status === 'rejected') throw temporal.reason;
  if (plane.status === 'rejected') throw plane.reason;
  return { temporal: temporal.value, plane: plane.value, binaries };
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

/** The kubeconfig in use and a ready-to-paste `kubectl get` of the operator's resources. */
export function kubectlLines(
  operator: OperatorDefinition,
  plane: Pick<KubeControlPlane, 'admin'> | undefined,
  context: string | undefined,
  binaries: BinaryPaths,
): string[] {
  const kubectl = onPath('kubectl') ? 'kubectl' : (binaries.kubectl ?? 'kubectl');
  const get = `get ${operator.kind.plural} -A`;
  if (plane)
    return [`Kubeconfig: ${plane.admin.path}`, `  ${kubectl} --kubeconfig ${plane.admin.path} ${get}`];
  return [`Kube context: ${context}`, `  ${kubectl} --context ${context} ${get}`];
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, program)));
}

async function startWorker(
  operator: OperatorDefinition,
  kube: KubeConfig,
  address: string,
  taskQueue: string,
  log: (line: string) => void,
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
