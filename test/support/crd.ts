import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
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

/** Installs the Widget CRD (once per control plane) and waits until it is served. */
export function installWidgetCrd(): Promise<void> {
  return installCrd(widgetCrd);
}

/**
 * Creates a CRD (idempotent) and waits until it is Established and its resource can be listed: right after
 * Established, a busy API server may still answer 404 for the new resource, which would stop an informer.
 */
export async function installCrd(
  crd: V1CustomResourceDefinition,
  kubeConfig = adminKubeConfig(),
): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const name = crd.metadata?.name ?? '';
  await api.createCustomResourceDefinition({ body: crd }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const version = crd.spec.versions[0]?.name ?? '';
  await vi.waitFor(
    async () => {
      const current = await api.readCustomResourceDefinition({ name });
      if (!current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
        throw new Error(`${name} is not Established yet`);
      }
      await custom.listClusterCustomObject({ group: crd.spec.group, version, plural: crd.spec.names.plural });
    },
    { timeout: 30_000, interval: 100 },
  );
}
