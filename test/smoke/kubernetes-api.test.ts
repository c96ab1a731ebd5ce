import {
  CustomObjectsApi,
  type KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { installWidgetCrd, WIDGET } from '../support/crd.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';

interface Widget extends KubernetesObject {
  spec?: { size?: number; colour?: string };
  status?: { phase?: string };
}

describe('the real kube-apiserver', () => {
  beforeAll(installWidgetCrd);

  it('reports ADDED, MODIFIED and DELETED of a custom resource to a client-node informer', async () => {
    const namespace = await createTestNamespace();
    const kubeConfig = adminKubeConfig();
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const ref = { ...WIDGET, namespace };
    const informer = makeInformer<Widget>(
      kubeConfig,
      `/apis/${WIDGET.group}/${WIDGET.version}/namespaces/${namespace}/${WIDGET.plural}`,
      () => custom.listNamespacedCustomObject(ref),
    );
    const events: string[] = [];
    informer.on('add', (w) => events.push(`ADDED ${w.metadata?.name} ${w.spec?.size}`));
    informer.on('update', (w) => events.push(`MODIFIED ${w.metadata?.name} ${w.spec?.size}`));
    informer.on('delete', (w) => events.push(`DELETED ${w.metadata?.name}`));
    informer.on('error', (error) => events.push(`ERROR ${String(error)}`));
    await informer.start();
    try {
      const body = {
        apiVersion: `${WIDGET.group}/${WIDGET.version}`,
        kind: WIDGET.kind,
        metadata: { name: 'w1' },
      };
      await custom.createNamespacedCustomObject({ ...ref, body: { ...body, spec: { size: 1 } } });
      await vi.waitFor(() => expect(events).toContain('ADDED w1 1'), { timeout: 10_000 });
      await custom.patchNamespacedCustomObject({
        ...ref,
        name: 'w1',
        body: [{ op: 'replace', path: '/spec/size', value: 2 }],
      });
      await vi.waitFor(() => expect(events).toContain('MODIFIED w1 2'), { timeout: 10_000 });
      await custom.deleteNamespacedCustomObject({ ...ref, name: 'w1' });
      await vi.waitFor(() => expect(events).toContain('DELETED w1'), { timeout: 10_000 });
      expect(events).toEqual(['ADDED w1 1', 'MODIFIED w1 2', 'DELETED w1']);
    } finally {
      await informer.stop();
    }
  });

  it('applies server-side: creates, then updates the fields its manager owns, and records the manager', async () => {
    const namespace = await createTestNamespace();
    const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
    const apply = (spec: Widget['spec']) =>
      objects.patch<Widget>(
        {
          apiVersion: `${WIDGET.group}/${WIDGET.version}`,
          kind: WIDGET.kind,
          metadata: { name: 'applied', namespace },
          spec,
        } as Widget,
        undefined,
        undefined,
        'staircase-smoke',
        true,
        PatchStrategy.ServerSideApply,
      );
    const created = await apply({ size: 3, colour: 'red' });
    expect(created.spec).toEqual({ size: 3, colour: 'red' });
    const updated = await apply({ size: 4, colour: 'red' });
    expect(updated.spec).toEqual({ size: 4, colour: 'red' });
    expect(updated.metadata?.generation).toBe(2);
    expect(updated.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toContainEqual([
      'staircase-smoke',
      'Apply',
    ]);
  });

  it('leaves metadata.generation unchanged on a status-subresource patch but bumps it on a spec change', async () => {
    const namespace = await createTestNamespace();
    const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
    const ref = { ...WIDGET, namespace, name: 'gen' };
    const body = {
      apiVersion: `${WIDGET.group}/${WIDGET.version}`,
      kind: WIDGET.kind,
      metadata: { name: 'gen' },
    };
    const created = (await custom.createNamespacedCustomObject({
      ...ref,
      body: { ...body, spec: { size: 1 } },
    })) as Widget;
    expect(created.metadata?.generation).toBe(1);

    const afterStatus = (await custom.patchNamespacedCustomObjectStatus({
      ...ref,
      body: [{ op: 'add', path: '/status', value: { phase: 'Ready' } }],
    })) as Widget;
    expect(afterStatus.status?.phase).toBe('Ready');
    expect(afterStatus.metadata?.generation).toBe(1);
    expect(afterStatus.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);

    const afterSpec = (await custom.patchNamespacedCustomObject({
      ...ref,
      body: [{ op: 'replace', path: '/spec/size', value: 2 }],
    })) as Widget;
    expect(afterSpec.metadata?.generation).toBe(2);
  });
});
