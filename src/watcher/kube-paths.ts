import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';

/** A kind to watch, by API version, kind and plural. */
export interface WatchedKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
}

/** The API path of a collection: all namespaces when `namespace` is absent. */
export function collectionPath(kind: WatchedKind, namespace?: string): string {
  const root = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  return namespace ? `${root}/namespaces/${namespace}/${kind.plural}` : `${root}/${kind.plural}`;
}

/** A list function for an informer over `kind` in `namespace` (all when absent). */
export function listerFor(
  kube: KubeConfig,
  kind: WatchedKind,
  namespace: string | undefined,
  labelSelector: string | undefined,
): () => Promise<KubernetesListObject<KubernetesObject>> {
  const api = KubernetesObjectApi.makeApiClient(kube);
  return () =>
    api.list(
      kind.apiVersion,
      kind.kind,
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      labelSelector,
    );
}
