import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { inject, onTestFinished } from 'vitest';
import { type KubeControlPlane, startControlPlane } from '../../src/devenv/control-plane.js';
import { mintKubeconfig } from '../../src/devenv/index.js';
import { Watchdog } from '../../src/devenv/watchdog.js';

/** A client configuration for the test run's control plane as `admin` (bypasses RBAC). */
export function adminKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(inject('kube').adminKubeconfigPath);
  return kubeConfig;
}

/**
 * A minimal control plane (etcd + kube-apiserver) of the current test's own, for faults the shared one must not see
 * (a restarted API server, a compacted etcd); stopped and its folder removed when the test finishes.
 */
export async function startPrivateControlPlane(
  prefix: string,
  apiserverArgs?: readonly string[],
): Promise<{ readonly plane: KubeControlPlane; readonly kube: KubeConfig }> {
  const watchdog = Watchdog.start();
  const workDir = await mkdtemp(join(tmpdir(), `staircase-${prefix}-`));
  const plane = await startControlPlane({
    binaries: inject('binaries'),
    workDir,
    watchdog,
    profile: 'minimal',
    ...(apiserverArgs ? { apiserverArgs } : {}),
  });
  onTestFinished(async () => {
    await plane.stop();
    watchdog.close();
    await rm(workDir, { recursive: true, force: true });
  });
  const kube = new KubeConfig();
  kube.loadFromFile(plane.admin.path);
  return { plane, kube };
}

/** A client configuration for `user` in `groups`, who can do nothing until RBAC allows it. */
export async function kubeConfigFor(user: string, groups: readonly string[] = []): Promise<KubeConfig> {
  const { path } = await mintKubeconfig(inject('kube'), user, groups);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return kubeConfig;
}

/** A name unique to this test run, safe for Kubernetes objects: `<prefix>-<8 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates a fresh namespace for the current test and deletes it when the test finishes. */
export async function createTestNamespace(prefix = 't'): Promise<string> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  onTestFinished(async () => {
    await core.deleteNamespace({ name }).catch(() => {});
  });
  return name;
}

/**
 * A client configuration that authenticates as the service account `name` in `namespace` with a bound token from
 * the TokenRequest API (what `kubectl create token` does), as a pod's projected token would: the identity
 * `system:serviceaccount:<namespace>:<name>` with the groups the API server gives service accounts.
 */
export async function serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig> {
  const admin = adminKubeConfig();
  const request = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3_600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`the API server issued no token for service account ${namespace}/${name}`);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig names no cluster');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ ...cluster, name: 'test' }],
    users: [{ name, token }],
    contexts: [{ name: 'test', cluster: 'test', user: name }],
    currentContext: 'test',
  });
  return kubeConfig;
}

/** Server-side applies `objects` as the cluster admin (field manager `staircase-test`), one after the other. */
export async function applyAsAdmin(objects: readonly Record<string, unknown>[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  for (const object of objects)
    await api.patch(
      object as KubernetesObject,
      undefined,
      undefined,
      'staircase-test',
      true,
      PatchStrategy.ServerSideApply,
    );
}
