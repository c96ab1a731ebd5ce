import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { LogLevel } from '@temporalio/common';
import type { ResourceRef } from '../core/resource-ref.js';
import { binarySourcesFromEnv } from '../devenv/binary-sources.js';
import { BINARY_SETS } from '../devenv/components.js';
import { type KubeControlPlane, startControlPlane } from '../devenv/control-plane.js';
import { installCrd } from '../devenv/install-crd.js';
import { type BinaryPaths, pathsOf, provisionBinaries, requireBinary } from '../devenv/provision.js';
import { startTemporalDevServer } from '../devenv/temporal-dev-server.js';
import { Watchdog } from '../devenv/watchdog.js';
import type { OperatorDefinition } from '../operator/operator.js';
import { loadKubeConfig, UnknownKubeContextError } from '../runtime/kube-config.js';
import { startOperatorRuntime } from '../runtime/operator-runtime.js';
import { parseWatcherConfig } from '../watcher/config.js';
import { devWatcherLogger } from './dev-logger.js';
import { workflowsLink } from './dev-progress.js';
import { applySamples } from './dev-samples.js';
import { UsageError } from './errors.js';
import type { LoadedOperators } from './load-operator.js';

/** A clean-up step; run in reverse order when `staircase dev` stops. */
export type Stop = () => Promise<void>;

/** What {@link startDevSession} needs. */
export interface DevSessionOptions {
  /** The operators and their modules' `dev` hooks. */
  readonly loaded: LoadedOperators;
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
 * Starts Temporal (with UI) and a control plane (or uses a kube context), installs the CRDs, runs the workers and
 * the watcher in this process (through the same composition root as `staircase worker` and `staircase watcher`),
 * applies the samples, and prints where to look: the UI link and a `kubectl` line.
 */
export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
  const { loaded, log, stops } = options;
  const { operators } = loaded;
  const { temporal, plane, binaries } = await startServers(options);
  const kube = plane
    ? loadKubeConfig({ file: plane.admin.path, fallback: 'default' })
    : devKubeConfig(options.kubeContext);
  log(`[setup] Temporal ${temporal.address}; Kubernetes ${kube.getCurrentCluster()?.server}`);
  for (const { hooks } of loaded.dev) {
    if (!hooks.startServices) continue;
    const services = await hooks.startServices();
    stops.push(() => services.stop());
    log(`[setup] ${services.description}`);
  }
  for (const operator of operators) await installCrd(kube, operator.kind.crd());
  const runtime = await startOperatorRuntime({
    operators,
    temporal: { address: temporal.address, namespace: 'default' },
    kube,
    worker: {},
    watcher: {
      config: parseWatcherConfig({
        leaderElection: { enabled: false },
        health: { host: '127.0.0.1', port: 0 },
      }),
      log: devWatcherLogger(options.logLevel, (text) => process.stdout.write(text)),
    },
  });
  stops.push(() => runtime.stop());
  runtime.done.catch((error: unknown) => log(`[worker] stopped: ${String(error)}`));
  const refs = await applySamples(kube, loaded.dev, log);
  log('');
  if (temporal.uiUrl) {
    log(`Temporal UI: ${temporal.uiUrl}`);
    for (const operator of operators) {
      const whose = operators.length === 1 ? "this operator's" : operator.kind.kind;
      log(`  ${whose} workflows: ${workflowsLink(temporal.uiUrl, 'default', operator.kind.kind)}`);
    }
  }
  for (const line of kubectlLines(operators, plane, options.kubeContext, binaries)) log(line);
  const kinds = operators.map((operator) => operator.kind.kind).join('|');
  log(`Loop control (staircase status|reconcile|pause|resume ${kinds} NAME):`);
  log(`  export TEMPORAL_ADDRESS=${temporal.address}`);
  log('');
  return { client: runtime.client as Client, refs };
}

function devKubeConfig(context: string | undefined): KubeConfig {
  try {
    return loadKubeConfig({ context, fallback: 'default' });
  } catch (error) {
    if (error instanceof UnknownKubeContextError) throw new UsageError(error.message);
    throw error;
  }
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

/** The kubeconfig in use and a ready-to-paste `kubectl get` of the operators' resources. */
export function kubectlLines(
  operators: readonly OperatorDefinition[],
  plane: Pick<KubeControlPlane, 'admin'> | undefined,
  context: string | undefined,
  binaries: BinaryPaths,
): string[] {
  const kubectl = onPath('kubectl') ? 'kubectl' : (binaries.kubectl ?? 'kubectl');
  const get = `get ${operators.map((operator) => operator.kind.plural).join(',')} -A`;
  if (plane)
    return [`Kubeconfig: ${plane.admin.path}`, `  ${kubectl} --kubeconfig ${plane.admin.path} ${get}`];
  return [`Kube context: ${context}`, `  ${kubectl} --context ${context} ${get}`];
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, program)));
}
