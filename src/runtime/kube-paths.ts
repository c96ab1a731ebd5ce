/** A kind by API version, kind and plural (the plural names its collection in API paths). */
export interface WatchedKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
}

/** The API path of a group version: `/api/v1` for the core group, `/apis/<group>/<version>` for the others. */
export function apiVersionPath(apiVersion: string): string {
  return `/${apiVersion.includes('/') ? 'apis' : 'api'}/${apiVersion}`;
}

/** The API path of a collection: all namespaces when `namespace` is absent. */
export function collectionPath(kind: WatchedKind, namespace?: string): string {
  const where = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${apiVersionPath(kind.apiVersion)}${where}/${kind.plural}`;
}
