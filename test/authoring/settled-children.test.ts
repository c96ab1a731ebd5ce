import { type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { ResourceOf } from 'staircase-temporal';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../src/activities/kube-client.js';
import { KubeDiscovery } from '../../src/activities/kube-discovery.js';
import { installCrd } from '../../src/devenv/install-crd.js';
import type { KubeClient } from '../../src/operator/kube-client.js';
import { adminKubeConfig, applyAsAdmin, createTestNamespace, uniqueName } from '../support/kube.js';
import { App, motto } from './fixtures.js';

type AppObject = ResourceOf<typeof App>;

/** The step's real client, with each request it sends written down: `get`, `dry-run` or `apply`. */
function recordingClient(resource: AppObject, requests: string[]): KubeClient {
  const config = adminKubeConfig();
  const kube = createKubeClient<Record<string, unknown>>({
    kube: config,
    discovery: new KubeDiscovery(config),
    fieldManager: 'staircase-settled-test',
    ref: { group: App.group, version: App.version, kind: App.kind, plural: App.plural, ...refOf(resource) },
    uid: resource.metadata.uid as string,
  });
  return {
    ...kube,
    get: (ref) => {
      requests.push('get');
      return kube.get(ref);
    },
    apply: (object, options) => {
      requests.push(options?.dryRun ? 'dry-run' : 'apply');
      return kube.apply(object, options);
    },
  };
}

function refOf(resource: KubernetesObject) {
  return { namespace: resource.metadata?.namespace as string, name: resource.metadata?.name as string };
}

async function createApp(namespace: string, spec: { motto: string }): Promise<AppObject> {
  const name = uniqueName('app');
  const object = {
    apiVersion: `${App.group}/${App.version}`,
    kind: App.kind,
    metadata: { name, namespace },
    spec,
  };
  await applyAsAdmin([object]);
  const api = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  const read = await api.read({ ...object, metadata: { name, namespace } });
  return { ...read, spec: { image: 'nginx:1.27', replicas: 1, ...spec } } as AppObject;
}

describe('a child step’s check of a child it saw settled', () => {
  beforeAll(async () => {
    await installCrd(adminKubeConfig(), App.crd());
  });

  it('reads the child only, and dry-runs again once anyone writes the child or the desired object changes', async () => {
    const namespace = await createTestNamespace('settled');
    const resource = await createApp(namespace, { motto: 'first' });
    const requests: string[] = [];
    const check = async (on: AppObject) => {
      requests.length = 0;
      const kube = recordingClient(on, requests);
      const result = await motto.check({ resource: on, kube } as never, undefined);
      return {
        verdict: result.kind,
        reason: 'reason' in result ? result.reason : undefined,
        requests: [...requests],
      };
    };

    // Missing: one read says so, no dry run.
    expect(await check(resource)).toMatchObject({ verdict: 'needs-fix', requests: ['get'] });
    await motto.apply?.({ resource, kube: recordingClient(resource, requests), input: undefined } as never);
    // Settled by its own apply: a read.
    expect(await check(resource)).toMatchObject({ verdict: 'passes', requests: ['get'] });

    // Someone else labels the child: a new version, so a dry run, which finds nothing of ours changed…
    const child = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${resource.metadata.name}-motto`, namespace },
    };
    await applyAsAdmin([{ ...child, metadata: { ...child.metadata, labels: { team: 'web' } } }]);
    expect(await check(resource)).toMatchObject({ verdict: 'passes', requests: ['get', 'dry-run'] });
    // …and settles it again.
    expect(await check(resource)).toMatchObject({ verdict: 'passes', requests: ['get'] });

    // Someone else takes a field the step states: the dry run shows it.
    await applyAsAdmin([{ ...child, data: { motto: 'by hand' } }]);
    expect(await check(resource)).toMatchObject({
      verdict: 'needs-fix',
      reason: expect.stringContaining('data.motto'),
      requests: ['get', 'dry-run'],
    });

    // The desired object changes while the child stays as the step last settled it: a dry run again.
    await motto.apply?.({ resource, kube: recordingClient(resource, requests), input: undefined } as never);
    expect(await check(resource)).toMatchObject({ verdict: 'passes', requests: ['get'] });
    const edited = { ...resource, spec: { ...resource.spec, motto: 'second' } };
    expect(await check(edited)).toMatchObject({ verdict: 'needs-fix', requests: ['get', 'dry-run'] });
  });
});
