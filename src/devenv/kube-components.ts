import { join } from 'node:path';
import { answers200 } from './https-probe.js';
import { type ManagedProcess, startProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { awaitReady } from './server-start.js';
import type { Watchdog } from './watchdog.js';

/** Inputs shared by kube-controller-manager and kube-scheduler. */
export interface KubeComponentOptions {
  readonly binary: string;
  readonly workDir: string;
  readonly watchdog: Watchdog;
  /** Admin kubeconfig file: used to talk to the API server and to delegate authentication and authorization. */
  readonly kubeconfigFile: string;
  readonly timeoutMs: number;
}

/**
 * Starts kube-controller-manager (garbage collection, Deployments → ReplicaSets → Pods, namespace deletion,
 * service accounts) and waits until its `/healthz` answers.
 *
 * @throws {ServerStartError}
 */
export function startKubeControllerManager(
  options: KubeComponentOptions & { readonly serviceAccountKeyFile: string; readonly rootCaFile: string },
): Promise<ManagedProcess> {
  return startKubeComponent('kube-controller-manager', options, [
    `--service-account-private-key-file=${options.serviceAccountKeyFile}`,
    `--root-ca-file=${options.rootCaFile}`,
    '--use-service-account-credentials=false',
    '--controllers=*',
    // Pods on kwok nodes report heartbeats through kwok; keep eviction slow so a busy test machine does not evict.
    '--node-monitor-grace-period=120s',
  ]);
}

/**
 * Starts kube-scheduler and waits until its `/healthz` answers.
 *
 * @throws {ServerStartError}
 */
export function startKubeScheduler(options: KubeComponentOptions): Promise<ManagedProcess> {
  return startKubeComponent('kube-scheduler', options, []);
}

async function startKubeComponent(
  name: string,
  options: KubeComponentOptions,
  extraArgs: readonly string[],
): Promise<ManagedProcess> {
  const port = await freePort();
  const component = startProcess({
    name,
    command: options.binary,
    args: [
      `--kubeconfig=${options.kubeconfigFile}`,
      `--authentication-kubeconfig=${options.kubeconfigFile}`,
      `--authorization-kubeconfig=${options.kubeconfigFile}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      '--leader-elect=false',
      ...extraArgs,
    ],
    logFile: join(options.workDir, `${name}.log`),
    watchdog: options.watchdog,
  });
  await awaitReady(component, () => answers200(`https://127.0.0.1:${port}/healthz`, {}), {
    what: `${name} health on port ${port}`,
    timeoutMs: options.timeoutMs,
  });
  return component;
}
