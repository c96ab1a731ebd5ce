import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answers200, httpsGet } from './https-probe.js';
import { type ManagedProcess, startProcess } from './managed-process.js';
import type { CertificateAuthority, CertifiedKey } from './pki.js';
import { freePort } from './ports.js';
import { awaitReady } from './server-start.js';
import type { Watchdog } from './watchdog.js';

/** Inputs of {@link startKubeApiserver}. */
export interface KubeApiserverOptions {
  readonly binary: string;
  readonly workDir: string;
  readonly watchdog: Watchdog;
  readonly etcdUrl: string;
  readonly serverCa: CertificateAuthority;
  readonly clientCa: CertificateAuthority;
  /** Client certificate used for the readiness probe (must be allowed to read namespaces). */
  readonly probeClient: CertifiedKey;
  readonly timeoutMs: number;
  /** Secure port; a free one when absent (pass the old one to restart at the same address). */
  readonly port?: number;
  /** Flags after the ones set here (a later flag wins), e.g. `--watch-cache=false`. */
  readonly extraArgs?: readonly string[];
}

/** A running kube-apiserver. */
export interface RunningKubeApiserver {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** PEM private key that signs service-account tokens (kube-controller-manager needs it). */
  readonly serviceAccountKeyFile: string;
  readonly process: ManagedProcess;
}

/**
 * Starts kube-apiserver on a free loopback port in front of `etcdUrl`, with RBAC authorization, client
 * certificates signed by `clientCa`, and a serving certificate for 127.0.0.1 and localhost. Ready when `/readyz`
 * answers 200 and the `default` namespace exists.
 *
 * @throws {ServerStartError}
 */
export async function startKubeApiserver(options: KubeApiserverOptions): Promise<RunningKubeApiserver> {
  const { workDir } = options;
  const port = options.port ?? (await freePort());
  const files = await writeApiserverFiles(options);
  const apiserver = startProcess({
    name: 'kube-apiserver',
    command: options.binary,
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      `--secure-port=${port}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--cert-dir=${workDir}`,
      `--tls-cert-file=${files.servingCert}`,
      `--tls-private-key-file=${files.servingKey}`,
      `--client-ca-file=${files.clientCa}`,
      `--service-account-key-file=${files.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${files.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--profiling=false',
      ...(options.extraArgs ?? []),
    ],
    logFile: join(workDir, 'kube-apiserver.log'),
    watchdog: options.watchdog,
  });
  const url = `https://127.0.0.1:${port}`;
  const tls = { caPem: options.serverCa.certPem, client: options.probeClient };
  await awaitReady(
    apiserver,
    async () =>
      (await answers200(`${url}/readyz`, tls)) &&
      (await httpsGet(`${url}/api/v1/namespaces/default`, tls)).status === 200
        ? true
        : undefined,
    { what: `kube-apiserver at ${url}`, timeoutMs: options.timeoutMs },
  );
  return { url, serviceAccountKeyFile: files.serviceAccountKey, process: apiserver };
}

async function writeApiserverFiles(options: KubeApiserverOptions) {
  const serving = await options.serverCa.issueServing('kube-apiserver', {
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', '10.0.0.1'],
  });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const files = {
    servingCert: join(options.workDir, 'apiserver.crt'),
    servingKey: join(options.workDir, 'apiserver.key'),
    clientCa: join(options.workDir, 'client-ca.crt'),
    serviceAccountKey: join(options.workDir, 'service-account.key'),
    serviceAccountPublicKey: join(options.workDir, 'service-account.pub'),
  };
  await writeFile(files.servingCert, serving.certPem);
  await writeFile(files.servingKey, serving.keyPem, { mode: 0o600 });
  await writeFile(files.clientCa, options.clientCa.certPem);
  await writeFile(files.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
    mode: 0o600,
  });
  await writeFile(files.serviceAccountPublicKey, publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return files;
}
