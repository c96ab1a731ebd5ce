import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startDnsProvider } from '../../examples/website/dns-provider.js';
import { Website } from '../../examples/website/kind.js';
import { websiteOperator } from '../../examples/website/operator.js';
import { type PolicyRule, rbacManifests } from '../../src/operator/rbac.js';
import { conditionOf, createResource, installKind, readObject, startEngine } from '../support/engine.js';
import { applyAsAdmin, createTestNamespace, kubeConfigFor, uniqueName } from '../support/kube.js';
import { startTestWatcher } from '../support/watcher.js';

const apply = applyAsAdmin;

/** A kubeconfig that authenticates as the service account `name` in `namespace` (by client certificate). */
function asServiceAccount(namespace: string, name: string) {
  return kubeConfigFor(`system:serviceaccount:${namespace}:${name}`, [
    'system:serviceaccounts',
    `system:serviceaccounts:${namespace}`,
  ]);
}

describe('the RBAC derived from an operator definition', () => {
  beforeAll(() => installKind(Website));

  it('is enough for the worker and the watcher, and a missing rule fails the step with the permission named', async () => {
    const namespace = await createTestNamespace();
    const provider = await startDnsProvider();
    onTestFinished(() => provider.stop());
    const operator = websiteOperator(() => provider.url);
    const prefix = uniqueName('rbac');
    const manifests = rbacManifests(operator, { namespace, prefix });
    await apply(manifests);

    const engine = await startEngine(operator, {
      kube: await asServiceAccount(namespace, `${prefix}-worker`),
    });
    const watcherKube = await asServiceAccount(namespace, `${prefix}-watcher`);
    await startTestWatcher(
      operator,
      engine,
      namespace,
      { leaderElection: { enabled: true, namespace, leaseDurationMs: 3_000, retryPeriodMs: 300 } },
      watcherKube,
    );
    const allowed = await createResource(Website, namespace, 'allowed', {
      content: 'x',
      hostname: 'allowed.example.test',
      replicas: 1,
    });
    await engine.waitFor(allowed, (d) => d.lastRun?.outcome.kind === 'converged', 90_000);

    // Take the Service rules away from the worker.
    const workerRole = manifests.find(
      (m) => m.kind === 'ClusterRole' && (m.metadata as { name: string }).name === `${prefix}-worker`,
    );
    const rules = ((workerRole?.rules ?? []) as PolicyRule[]).filter(
      (rule) => !rule.resources.includes('services'),
    );
    await apply([{ ...workerRole, rules }]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const denied = await createResource(Website, namespace, 'denied', {
      content: 'y',
      hostname: 'denied.example.test',
      replicas: 1,
    });
    const failed = await engine.waitFor(denied, (d) => d.lastRun?.outcome.kind === 'failed', 90_000);
    expect(failed.lastRun?.outcome).toMatchObject({
      step: 'service',
      permanent: true,
      errorType: 'Forbidden',
    });
    const stalled = conditionOf(await readObject(denied), 'Stalled');
    expect(stalled?.status).toBe('True');
    expect(stalled?.message).toMatch(/cannot (get|patch|create) resource "services"/);
    expect(stalled?.message).toContain(`system:serviceaccount:${namespace}:${prefix}-worker`);
  });
});
