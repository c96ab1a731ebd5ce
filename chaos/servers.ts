/**
 * The servers a chaos run kills and restarts: a Temporal dev server on a SQLite file (so its workflows survive a
 * SIGKILL), a full Kubernetes control plane (kube-controller-manager, kube-scheduler and a kwok node, so Deployments
 * become available and owner references are garbage-collected), and the website example's DNS provider (the
 * external API; never killed, it is what the run checks for duplicates and leaks).
 */
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type RunningDnsProvider, startDnsProvider } from '../examples/website/dns-provider.js';
import { Website } from '../examples/website/kind.js';
import {
  BINARY_SETS,
  binarySourcesFromEnv,
  installCrd,
  type KubeControlPlane,
  type ManagedProcess,
  pathsOf,
  provisionBinaries,
  startControlPlane,
  startTemporalDevServer,
  type TemporalDevServer,
  Watchdog,
} from '../src/devenv/index.js';
import { requireBinary } from '../src/devenv/provision.js';

/** The running servers, and how to kill and restart the two that faults hit. */
export interface ChaosServers {
  readonly watchdog: Watchdog;
  readonly temporalAddress: string;
  readonly kubeconfigPath: string;
  readonly kube: KubeConfig;
  readonly dns: RunningDnsProvider;
  /** SIGKILLs the Temporal server (its whole process group) and waits until it is gone. */
  killTemporal(): Promise<void>;
  /** Starts Temporal again on the same port and database file; resolves once it serves. */
  restartTemporal(): Promise<void>;
  /** SIGKILLs kube-apiserver and waits until it is gone (etcd keeps the data). */
  killApiserver(): Promise<void>;
  /** Starts kube-apiserver again on the same port; resolves once it serves. */
  restartApiserver(): Promise<void>;
  /** Stops everything. Harmless to call twice. */
  stop(): Promise<void>;
}

/** SIGKILLs a server's process group and waits for its exit. */
async function sigkill(process_: ManagedProcess): Promise<void> {
  try {
    process.kill(-process_.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await process_.stop(0);
}

/**
 * Provisions the binaries and starts the servers in `workDir`.
 * @throws {BinaryNotFoundError} saying how to get a missing server; {ServerStartError} with the end of its log.
 */
export async function startChaosServers(workDir: string, log: (line: string) => void): Promise<ChaosServers> {
  const binaries = pathsOf(
    await provisionBinaries(
      [...BINARY_SETS.temporal, ...BINARY_SETS.full],
      binarySourcesFromEnv(process.env),
      log,
    ),
  );
  const watchdog = Watchdog.start();
  const temporalOptions = {
    binary: requireBinary(binaries, 'temporal'),
    workDir: join(workDir, 'temporal'),
    dbFile: join(workDir, 'temporal', 'temporal.db'),
    watchdog,
  };
  const [temporalStart, planeStart] = await Promise.allSettled([
    startTemporalDevServer(temporalOptions),
    startControlPlane({ binaries, workDir: join(workDir, 'kube'), watchdog, profile: 'full' }),
  ]);
  if (temporalStart.status === 'rejected' || planeStart.status === 'rejected') {
    if (temporalStart.status === 'fulfilled') await temporalStart.value.stop();
    if (planeStart.status === 'fulfilled') await planeStart.value.stop();
    watchdog.close();
    throw temporalStart.status === 'rejected'
      ? temporalStart.reason
      : (planeStart as PromiseRejectedResult).reason;
  }
  let temporal: TemporalDevServer = temporalStart.value;
  const plane: KubeControlPlane = planeStart.value;
  const kube = new KubeConfig();
  kube.loadFromFile(plane.admin.path);
  await installCrd(kube, Website.crd());
  // A stored record is answered a second later: a worker killed in that window must not make a second one.
  const dns = await startDnsProvider({ latencyMs: 10, createDelayMs: 1_000 });
  const apiserver = () => plane.processes.find((p) => p.name === 'kube-apiserver');
  let stopped = false;
  return {
    watchdog,
    temporalAddress: temporal.address,
    kubeconfigPath: plane.admin.path,
    kube,
    dns,
    killTemporal: () => sigkill(temporal.process),
    async restartTemporal() {
      temporal = await startTemporalDevServer({ ...temporalOptions, port: temporal.port });
    },
    async killApiserver() {
      const running = apiserver();
      if (running) await sigkill(running);
    },
    // The control plane's restart stops the (already killed) apiserver, then starts it on the same port.
    restartApiserver: () => plane.restartApiserver(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await dns.stop();
      await plane.stop();
      await temporal.stop();
      watchdog.close();
    },
  };
}
