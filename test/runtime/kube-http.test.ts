import { CoreV1Api, PatchStrategy } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { statusMessageOf } from '../../src/core/kube-status.js';
import {
  closeKubeRequestAgents,
  httpStatusOf,
  KubeApiError,
  KubeRequestTimeoutError,
  kubeRequest,
  requestUrl,
} from '../../src/runtime/kube-http.js';
import {
  adminKubeConfig,
  createTestNamespace,
  kubeConfigFor,
  serviceAccountKubeConfig,
  uniqueName,
} from '../support/kube.js';
import { startRelay } from '../support/relay.js';

interface NamespaceList {
  readonly items: { readonly metadata: { readonly name: string } }[];
}

/** The error `promise` rejects with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('requestUrl', () => {
  it('keeps the path of a server URL (a cluster behind Rancher or a gateway) and encodes the query', () => {
    const request = { path: '/api/v1/namespaces', query: { labelSelector: 'a=b,c', limit: undefined } };
    expect(requestUrl('https://rancher.example/k8s/clusters/c-1/', request).href).toBe(
      'https://rancher.example/k8s/clusters/c-1/api/v1/namespaces?labelSelector=a%3Db%2Cc',
    );
    expect(requestUrl('https://10.0.0.1:6443', request).pathname).toBe('/api/v1/namespaces');
  });
});

describe('kubeRequest', () => {
  it('answers parsed JSON, sending one kubeconfig’s calls over one kept-alive connection', async () => {
    const relay = await startRelay();
    onTestFinished(() => closeKubeRequestAgents(relay.kube));
    for (let i = 0; i < 5; i++) {
      const list = await kubeRequest<NamespaceList>(relay.kube, {
        method: 'GET',
        path: '/api/v1/namespaces',
        query: { limit: '1' },
      });
      expect(list.items).toHaveLength(1);
    }
    expect(relay.connections()).toBe(1);
  });

  it('writes with the content type it is given: a merge patch, then a forced server-side apply with its field manager', async () => {
    const kube = adminKubeConfig();
    onTestFinished(() => closeKubeRequestAgents(kube));
    const namespace = await createTestNamespace('http');
    const name = uniqueName('cm');
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    await kubeRequest(kube, { method: 'POST', path, body: { metadata: { name }, data: { a: '1' } } });
    await kubeRequest(kube, {
      method: 'PATCH',
      path: `${path}/${name}`,
      body: { data: { b: '2' } },
      contentType: PatchStrategy.MergePatch,
    });
    const applied = await kubeRequest<{
      data: Record<string, string>;
      metadata: { managedFields: { manager: string }[] };
    }>(kube, {
      method: 'PATCH',
      path: `${path}/${name}`,
      query: { fieldManager: 'kube-http-test', force: 'true' },
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { c: '3' } },
      contentType: PatchStrategy.ServerSideApply,
    });
    expect(applied.data).toEqual({ a: '1', b: '2', c: '3' });
    expect(applied.metadata.managedFields.map((f) => f.manager)).toContain('kube-http-test');
  });

  it('throws a KubeApiError with the code and the Status text the API server answered, read as client-node’s errors are', async () => {
    const kube = adminKubeConfig();
    onTestFinished(() => closeKubeRequestAgents(kube));
    const missing = uniqueName('missing');
    const error = await rejectionOf(
      kubeRequest(kube, { method: 'GET', path: `/api/v1/namespaces/${missing}` }),
    );
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).code).toBe(404);
    expect(httpStatusOf(error)).toBe(404);
    // The body as text, as client-node's own clients give it.
    expect(typeof (error as KubeApiError).body).toBe('string');
    expect(statusMessageOf((error as KubeApiError).body)).toBe(`namespaces "${missing}" not found`);
    // The same reading of client-node's own error for the same answer.
    const theirs = await rejectionOf(kube.makeApiClient(CoreV1Api).readNamespace({ name: missing }));
    expect(httpStatusOf(theirs)).toBe(404);
    expect(httpStatusOf(new Error('ECONNRESET'))).toBeUndefined();
  });

  it('authenticates as the kubeconfig’s user: a client certificate, or a bearer token', async () => {
    const stranger = await kubeConfigFor(uniqueName('stranger'));
    onTestFinished(() => closeKubeRequestAgents(stranger));
    const refused = await rejectionOf(kubeRequest(stranger, { method: 'GET', path: '/api/v1/namespaces' }));
    expect(httpStatusOf(refused)).toBe(403);
    expect(statusMessageOf((refused as KubeApiError).body)).toContain('cannot list resource "namespaces"');

    const namespace = await createTestNamespace('http');
    const robot = uniqueName('robot');
    await kubeRequest(adminKubeConfig(), {
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
      body: { metadata: { name: robot } },
    });
    const account = await serviceAccountKubeConfig(namespace, robot);
    onTestFinished(() => closeKubeRequestAgents(account));
    const review = await kubeRequest<{ status: { userInfo: { username: string } } }>(account, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${namespace}:${robot}`);
  });

  it('gives up a request the API server does not answer within its time (a frozen connection)', async () => {
    const relay = await startRelay();
    onTestFinished(() => closeKubeRequestAgents(relay.kube));
    relay.freeze();
    const error = await rejectionOf(
      kubeRequest(relay.kube, { method: 'GET', path: '/api/v1/namespaces', timeoutMs: 300 }),
    );
    expect(error).toBeInstanceOf(KubeRequestTimeoutError);
    expect((error as Error).message).toBe('GET /api/v1/namespaces: no answer within 300 ms');
  });

  it('gives up a request once its signal fires', async () => {
    const relay = await startRelay();
    onTestFinished(() => closeKubeRequestAgents(relay.kube));
    relay.freeze();
    const controller = new AbortController();
    const pending = rejectionOf(
      kubeRequest(relay.kube, { method: 'GET', path: '/api/v1/namespaces', signal: controller.signal }),
    );
    controller.abort();
    expect((await pending) as Error).toMatchObject({ name: 'AbortError' });
  });
});
