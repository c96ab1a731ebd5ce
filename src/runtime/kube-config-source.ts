import type { KubeConfig } from '@kubernetes/client-node';
import { poolConnectionsIfSupported } from './kube-pool.js';

/** A kube context was asked for that the kubeconfig does not have. */
export class UnknownKubeContextError extends Error {
  override readonly name = 'UnknownKubeContextError';
  constructor(
    readonly context: string,
    readonly known: readonly string[],
  ) {
    super(`no kube context named "${context}" (known: ${known.join(', ') || 'none'})`);
  }
}

/** Where a process finds its Kubernetes identity. */
export interface KubeConfigSource {
  /** A kubeconfig file; when absent, `fallback` decides. */
  readonly file?: string | undefined;
  /** A context of that kubeconfig; default its current context. */
  readonly context?: string | undefined;
  /**
   * Without `file`: `in-cluster` (the pod's service account, for production processes) or `default` (`KUBECONFIG`,
   * then `~/.kube/config`, then in-cluster: for developer tools).
   */
  readonly fallback: 'in-cluster' | 'default';
}

/**
 * Loads `source` into `kube` (a new client-node `KubeConfig`) and pools its connections (see
 * `poolConnectionsIfSupported`). Takes the instance so that this module loads no client-node code.
 *
 * @throws {UnknownKubeContextError} when `source.context` is not in the kubeconfig.
 */
export function loadInto(kube: KubeConfig, source: KubeConfigSource): KubeConfig {
  if (source.file) kube.loadFromFile(source.file);
  else if (source.fallback === 'in-cluster') kube.loadFromCluster();
  else kube.loadFromDefault();
  if (source.context) {
    const known = kube.getContexts().map((c) => c.name);
    if (!known.includes(source.context)) throw new UnknownKubeContextError(source.context, known);
    kube.setCurrentContext(source.context);
  }
  poolConnectionsIfSupported(kube);
  return kube;
}
