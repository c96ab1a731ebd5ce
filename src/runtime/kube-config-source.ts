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
