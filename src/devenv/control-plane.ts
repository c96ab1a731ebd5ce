import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEtcd } from './etcd.js';
import { type ControlPlaneAccess, type KubeconfigFile, mintKubeconfig } from './kube-access.js';
import { startKubeApiserver } from './kube-apiserver.js';
import { startKubeControllerManager, startKubeScheduler } from './kube-components.js';
import { startKwok } from './kwok.js';
import type { ManagedProcess } from './managed-process.js';
import { CertificateAuthority } from './pki.js';
import { type BinaryPaths, requireBinary } from './provision.js';
import type { Watchdog } from './watchdog.js';

/**
 * `minimal`: etcd + kube-apiserver (the envtest set). `full`: adds kube-controller-manager, kube-scheduler and
 * one kwok fake node, so Deployments get ReplicaSets and Pods that become Ready, owner references are garbage
 * collected, and deleted namespaces go away.
 */
export type ControlPlaneProfile = 'minimal' | 'full';

/** Options for {@link startControlPlane}. */
export interface ControlPlaneOptions {
  readonly binaries: BinaryPaths;
  /** Folder for certificates, kubeconfigs, etcd data and logs. */
  readonly workDir: string;
  readonly watchdog: Watchdog;
  readonly profile?: ControlPlaneProfile;
  /** Start-up timeout per server; 60 s when absent. */
  readonly startTimeoutMs?: number;
  /** More kube-apiserver flags (a later flag wins), e.g. `--watch-cache=false`. */
  readonly apiserverArgs?: readonly string[];
}

/** A running local Kubernetes control plane. */
export interface KubeControlPlane {
  readonly profile: ControlPlaneProfile;
  /** Address, CAs and admin kubeconfig; JSON-safe. */
  readonly access: ControlPlaneAccess;
  /** Kubeconfig of `admin` in `system:masters` (bypasses RBAC). */
  readonly admin: KubeconfigFile;
  /** etcd's client URL (plain HTTP on loopback), for faults kube-apiserver cannot cause, such as a compaction. */
  readonly etcdUrl: string;
  /** The running server processes, in start order (pids and log files, for diagnostics). */
  readonly processes: readonly ManagedProcess[];
  /**
   * Stops kube-apiserver and starts it again at the same address (etcd keeps the data), as an API server upgrade
   * or crash would. Clients see their connections and watches break.
   */
  restartApiserver(): Promise<void>;
  /** See {@link mintKubeconfig}. */
  kubeconfigFor(user: string, groups?: readonly string[]): Promise<KubeconfigFile>;
  /** Stops every process in reverse start order. Harmless to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts etcd and kube-apiserver (and, in the `full` profile, kube-controller-manager, kube-scheduler and kwok
 * with one fake node) on free loopback ports.
 *
 * Guarantees: when it throws, every process it started has been stopped; the error names the server that failed
 * and shows the end of its log.
 * @throws {ServerStartError}
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<KubeControlPlane> {
  const profile = options.profile ?? 'minimal';
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const { workDir, watchdog, binaries } = options;
  await mkdir(workDir, { recursive: true });
  const started: ManagedProcess[] = [];
  const stop = async () => {
    for (const process of [...started].reverse()) await process.stop();
  };
  try {
    const serverCa = await CertificateAuthority.create('staircase-dev-server-ca');
    const clientCa = await CertificateAuthority.create('staircase-dev-client-ca');
    const adminCert = await clientCa.issueClient('admin', ['system:masters']);
    const etcd = await startEtcd(requireBinary(binaries, 'etcd'), workDir, watchdog, timeoutMs);
    started.push(etcd.process);
    const apiserverOptions = {
      binary: requireBinary(binaries, 'kube-apiserver'),
      workDir,
      watchdog,
      etcdUrl: etcd.clientUrl,
      serverCa,
      clientCa,
      probeClient: adminCert,
      timeoutMs,
      ...(options.apiserverArgs ? { extraArgs: options.apiserverArgs } : {}),
    };
    const apiserver = await startKubeApiserver(apiserverOptions);
    started.push(apiserver.process);
    const restartApiserver = async () => {
      const index = started.findIndex((p) => p.name === 'kube-apiserver');
      await started[index]?.stop();
      const port = Number(new URL(apiserver.url).port);
      const restarted = await startKubeApiserver({ ...apiserverOptions, port });
      started[index] = restarted.process;
    };

    const base = {
      server: apiserver.url,
      serverCaPem: serverCa.certPem,
      clientCaCertPem: clientCa.certPem,
      clientCaKeyPem: clientCa.keyPem,
      workDir,
    };
    const kubeconfigFor = (user: string, groups?: readonly string[]) => mintKubeconfig(base, user, groups);
    const admin = await kubeconfigFor('admin', ['system:masters']);

    let nodeName: string | undefined;
    if (profile === 'full') {
      const component = { workDir, watchdog, kubeconfigFile: admin.path, timeoutMs };
      const rootCaFile = join(workDir, 'server-ca.crt');
      await writeFile(rootCaFile, serverCa.certPem);
      started.push(
        await startKubeControllerManager({
          ...component,
          binary: requireBinary(binaries, 'kube-controller-manager'),
          serviceAccountKeyFile: apiserver.serviceAccountKeyFile,
          rootCaFile,
        }),
      );
      started.push(
        await startKubeScheduler({ ...component, binary: requireBinary(binaries, 'kube-scheduler') }),
      );
      const kwok = await startKwok({
        ...component,
        binary: requireBinary(binaries, 'kwok'),
        stagesBinary: requireBinary(binaries, 'kwok-stages'),
      });
      started.push(kwok.process);
      nodeName = kwok.nodeName;
    }
    const access = { ...base, adminKubeconfigPath: admin.path, ...(nodeName ? { nodeName } : {}) };
    return {
      profile,
      access,
      admin,
      etcdUrl: etcd.clientUrl,
      get processes() {
        return [...started];
      },
      restartApiserver,
      kubeconfigFor,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
