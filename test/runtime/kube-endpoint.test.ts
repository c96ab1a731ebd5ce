import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import { UnknownKubeContextError } from '../../src/runtime/kube-config.js';
import {
  inClusterEndpoint,
  isClientNodeConfig,
  KubeConfigError,
  kubeConfigOf,
  loadKubeEndpoint,
  madeKubeConfigOf,
} from '../../src/runtime/kube-endpoint.js';
import {
  closeKubeRequestAgents,
  httpStatusOf,
  type KubeEndpoint,
  kubeRequest,
} from '../../src/runtime/kube-http.js';
import {
  adminKubeConfig,
  createTestNamespace,
  serviceAccountKubeConfig,
  uniqueName,
} from '../support/kube.js';

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  'current-context': string;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-endpoint-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function adminKubeconfig(): Promise<Kubeconfig> {
  return parse(await readFile(inject('kube').adminKubeconfigPath, 'utf8')) as Kubeconfig;
}

/**
 * A folder holding the test cluster's CA (`ca.crt`) and the token of a new service account (`token`), as a pod's
 * service account folder does; with the cluster's server and the account's user name.
 */
async function serviceAccountFiles(prefix: string) {
  const dir = await tempDir();
  const cluster = (await adminKubeconfig()).clusters[0]?.cluster ?? {};
  await writeFile(join(dir, 'ca.crt'), Buffer.from(String(cluster['certificate-authority-data']), 'base64'));
  const namespace = await createTestNamespace(prefix);
  const robot = uniqueName('robot');
  await kubeRequest(adminKubeConfig(), {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
    body: { metadata: { name: robot } },
  });
  const token = (await serviceAccountKubeConfig(namespace, robot)).getCurrentUser()?.token ?? '';
  await writeFile(join(dir, 'token'), token);
  return { dir, server: String(cluster.server), user: `system:serviceaccount:${namespace}:${robot}` };
}

async function writeKubeconfig(dir: string, config: Kubeconfig): Promise<string> {
  const file = join(dir, 'config');
  await writeFile(file, stringify(config));
  return file;
}

async function whoAmI(kube: KubeEndpoint): Promise<string> {
  onTestFinished(() => closeKubeRequestAgents(kube));
  const review = await kubeRequest<{ status: { userInfo: { username: string } } }>(kube, {
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status.userInfo.username;
}

describe('loadKubeEndpoint: a Kubernetes identity without client-node', () => {
  it('reaches the API server as the kubeconfig’s certificate user, without becoming client-node’s KubeConfig', async () => {
    const kube = await loadKubeEndpoint({ file: inject('kube').adminKubeconfigPath, fallback: 'in-cluster' });
    expect(isClientNodeConfig(kube)).toBe(false);
    expect(await whoAmI(kube)).toBe(await whoAmI(adminKubeConfig()));
  });

  it('reads certificate and token files relative to the kubeconfig', async () => {
    const { dir, server, user } = await serviceAccountFiles('lean');
    const file = await writeKubeconfig(dir, {
      clusters: [{ name: 'c', cluster: { server, 'certificate-authority': 'ca.crt' } }],
      users: [{ name: 'u', user: { tokenFile: 'token' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    });
    const kube = await loadKubeEndpoint({ file, fallback: 'in-cluster' });
    expect(isClientNodeConfig(kube)).toBe(false);
    expect(await whoAmI(kube)).toBe(user);
  });

  it('reaches the API server in-cluster as the pod’s service account (its CA and token files, the service’s host and port)', async () => {
    const { dir, server: url, user } = await serviceAccountFiles('pod');
    const server = new URL(url);
    expect(inClusterEndpoint(dir, {})).toBeUndefined();
    const pod = inClusterEndpoint(dir, {
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port,
    });
    if (!pod) throw new Error('no in-cluster endpoint');
    expect(pod.getCurrentCluster()?.server).toBe(`https://${server.hostname}:${server.port}`);
    expect(await whoAmI(pod)).toBe(user);
  });

  it('uses the context asked for, and names the known ones when it is missing', async () => {
    const dir = await tempDir();
    const config = await adminKubeconfig();
    const admin = config.contexts[0];
    if (!admin) throw new Error('the admin kubeconfig has no context');
    config.contexts.push({ name: 'broken', context: { cluster: 'nowhere', user: admin.context.user } });
    config['current-context'] = 'broken';
    const file = await writeKubeconfig(dir, config);
    const chosen = await loadKubeEndpoint({ file, context: admin.name, fallback: 'in-cluster' });
    expect(await whoAmI(chosen)).toBe(await whoAmI(adminKubeConfig()));
    await expect(loadKubeEndpoint({ file, fallback: 'in-cluster' })).rejects.toThrow(
      new KubeConfigError(file, 'context "broken" names no known cluster'),
    );
    const missing = loadKubeEndpoint({ file, context: 'elsewhere', fallback: 'in-cluster' });
    await expect(missing).rejects.toBeInstanceOf(UnknownKubeContextError);
    await expect(missing).rejects.toThrow(`known: ${admin.name}, broken`);
  });

  it('hands what it does not know (an exec plugin) to client-node, and says which file it cannot read', async () => {
    const dir = await tempDir();
    const config = await adminKubeconfig();
    const user = config.users[0];
    if (!user) throw new Error('the admin kubeconfig has no user');
    user.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } };
    const kube = await loadKubeEndpoint({ file: await writeKubeconfig(dir, config), fallback: 'in-cluster' });
    expect(isClientNodeConfig(kube)).toBe(true);

    const absent = join(dir, 'absent');
    await expect(loadKubeEndpoint({ file: absent, fallback: 'in-cluster' })).rejects.toThrow(
      `kubeconfig ${absent}: cannot be read`,
    );
    await writeFile(join(dir, 'list'), 'clusters: 3\n');
    await expect(
      loadKubeEndpoint({ file: join(dir, 'list'), fallback: 'in-cluster' }),
    ).rejects.toBeInstanceOf(KubeConfigError);
  });

  it('becomes client-node’s KubeConfig of the same identity when a step needs one, made once', async () => {
    const lean = await loadKubeEndpoint({ file: inject('kube').adminKubeconfigPath, fallback: 'in-cluster' });
    expect(madeKubeConfigOf(lean)).toBeUndefined();
    const full = kubeConfigOf(lean);
    expect(isClientNodeConfig(full)).toBe(true);
    expect(kubeConfigOf(lean)).toBe(full);
    expect(madeKubeConfigOf(lean)).toBe(full);
    expect(await whoAmI(full)).toBe(await whoAmI(lean));
    const refused = await kubeRequest(lean, {
      method: 'GET',
      path: '/api/v1/namespaces/kube-system/nothing',
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(httpStatusOf(refused)).toBe(404);
  });
});
