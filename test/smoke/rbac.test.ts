import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { adminKubeConfig, createTestNamespace, kubeConfigFor, uniqueName } from '../support/kube.js';

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

describe('RBAC on the real kube-apiserver', () => {
  it('answers 403 to an identity without permissions until a Role and RoleBinding grant them', async () => {
    const namespace = await createTestNamespace();
    const user = uniqueName('reader');
    const asUser = (await kubeConfigFor(user, ['staircase:testers'])).makeApiClient(CoreV1Api);

    const denied = await asUser.listNamespacedConfigMap({ namespace }).catch((error: unknown) => error);
    expect(statusCode(denied)).toBe(403);

    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'configmap-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
    });

    // The RBAC authorizer's cache follows the API by watch, so the grant takes effect within moments.
    const list = await vi.waitFor(() => asUser.listNamespacedConfigMap({ namespace }), { timeout: 10_000 });
    expect(list.items).toBeInstanceOf(Array);
    const stillDenied = await asUser
      .createNamespacedConfigMap({ namespace, body: { metadata: { name: 'nope' } } })
      .catch((error: unknown) => error);
    expect(statusCode(stillDenied)).toBe(403);
  });
});
