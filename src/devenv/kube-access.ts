import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderKubeconfig } from './kubeconfig.js';
import { CertificateAuthority } from './pki.js';

/**
 * Everything needed to reach a local control plane and mint identities for it. Plain data (JSON-safe), so a
 * test runner's global set-up can hand it to test files running in other processes.
 *
 * Caveats: holds the client CA's private key; it is a throw-away key for a loopback test cluster.
 */
export interface ControlPlaneAccess {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly serverCaPem: string;
  readonly clientCaCertPem: string;
  readonly clientCaKeyPem: string;
  /** Folder where minted kubeconfigs are written. */
  readonly workDir: string;
  /** Kubeconfig file of `admin` in `system:masters` (bypasses RBAC). */
  readonly adminKubeconfigPath: string;
  /** Name of the kwok node in the full profile. */
  readonly nodeName?: string;
}

/** A kubeconfig written to disk. */
export interface KubeconfigFile {
  readonly path: string;
  readonly yaml: string;
}

/**
 * Mints a kubeconfig for `user` in `groups`, authenticated by a new client certificate, and writes it to
 * `<workDir>/kubeconfig-<user>.yaml`. The identity has no permissions until RBAC grants them (unless one of the
 * groups is `system:masters`).
 */
export async function mintKubeconfig(
  access: Omit<ControlPlaneAccess, 'adminKubeconfigPath'>,
  user: string,
  groups: readonly string[] = [],
): Promise<KubeconfigFile> {
  const clientCa = await CertificateAuthority.fromPem(access.clientCaCertPem, access.clientCaKeyPem);
  const client = await clientCa.issueClient(user, groups);
  const yaml = renderKubeconfig({
    server: access.server,
    caPem: access.serverCaPem,
    client,
    contextName: user,
  });
  const path = join(access.workDir, `kubeconfig-${user.replace(/[^A-Za-z0-9._-]/g, '_')}.yaml`);
  await writeFile(path, yaml, { mode: 0o600 });
  return { path, yaml };
}
