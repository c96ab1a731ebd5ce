import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { type CrdObject, installCrd as installCrdWith } from '../../src/devenv/install-crd.js';
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
 * Installs a CRD exactly as given (server-side apply of the raw object, as `staircase dev` does) and waits until it
 * is Established and its resource can be listed. Idempotent.
 */
export function installCrd(crd: CrdObject, kubeConfig = adminKubeConfig()): Promise<void> {
  return installCrdWith(kubeConfig, crd);
}
