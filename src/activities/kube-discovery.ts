import { type KubeEndpoint, kubeRequest } from '../runtime/kube-http.js';
import { apiVersionPath } from '../runtime/kube-paths.js';

/** One kind as an API server serves it: its plural (the path segment) and whether it lives in namespaces. */
export interface ServedKind {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

interface ResourceList {
  readonly resources?: readonly ServedKind[];
}

/**
 * Which kinds an API server serves, asked once per API group version (`GET /api/v1`, `/apis/<group>/<version>`)
 * over the engine's own HTTP path, as client-node's object API does.
 *
 * Guarantees: a kind missing from a remembered answer is asked again (a CRD installed since); concurrent first asks
 * for one group version share one request; a failed ask is not remembered.
 */
export class KubeDiscovery {
  private readonly served = new Map<string, Promise<readonly ServedKind[]>>();

  constructor(private readonly kube: KubeEndpoint) {}

  /**
   * The kind `kind` of `apiVersion`, or undefined when the group version is served without it.
   * Errors: the API server's (a `KubeApiError` 404 when the group version itself is not served).
   */
  async kind(apiVersion: string, kind: string): Promise<ServedKind | undefined> {
    const remembered = this.served.get(apiVersion);
    const known = remembered && find(await remembered.catch(() => []), kind);
    return known || find(await this.ask(apiVersion), kind);
  }

  // Shared by concurrent callers, so not cut off by any one step's signal (the request has its own timeout).
  private ask(apiVersion: string): Promise<readonly ServedKind[]> {
    const asked = kubeRequest<ResourceList>(this.kube, {
      method: 'GET',
      path: apiVersionPath(apiVersion),
    }).then((list) => list.resources ?? []);
    this.served.set(apiVersion, asked);
    asked.catch(() => {
      if (this.served.get(apiVersion) === asked) this.served.delete(apiVersion);
    });
    return asked;
  }
}

/** The kind itself, not one of its subresources (`greetings/status` names the kind too). */
function find(kinds: readonly ServedKind[], kind: string): ServedKind | undefined {
  return kinds.find((served) => served.kind === kind && !served.name.includes('/'));
}
