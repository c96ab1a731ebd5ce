import { ApiextensionsV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { vi } from 'vitest';
import { adminKubeConfig } from './kube.js';

/** A namespaced test kind `Widget` (`widgets.smoke.staircase.test/v1`) with a status subresource. */
export const WIDGET = {
  group: 'smoke.staircase.test',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
} as const;

const widgetCrd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${WIDGET.plural}.${WIDGET.group}` },
  spec: {
    group: WIDGET.group,
    scope: 'Namespaced',
    names: { plural: WIDGET.plural, singular: 'widget', kind: WIDGET.kind, listKind: 'WidgetList' },
    versions: [
      {
        name: WIDGET.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' }, colour: { type: 'string' } } },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

/** Installs the Widget CRD (once per control plane) and waits until it is Established. */
export async function installWidgetCrd(): Promise<void> {
  const api = adminKubeConfig().makeApiClient(ApiextensionsV1Api);
  const name = widgetCrd.metadata?.name ?? '';
  await api.createCustomResourceDefinition({ body: widgetCrd }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  await vi.waitFor(
    async () => {
      const crd = await api.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      if (established?.status !== 'True') throw new Error(`${name} not Established yet`);
    },
    { timeout: 30_000, interval: 100 },
  );
}
