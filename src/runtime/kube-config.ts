import { KubeConfig } from '@kubernetes/client-node';
import { type KubeConfigSource, UnknownKubeContextError } from './kube-config-source.js';
import { poolConnectionsIfSupported } from './kube-pool.js';

export { type KubeConfigSource, UnknownKubeContextError } from './kube-config-source.js';

/**
 * client-node's Kubernetes client configuration for `source` (processes whose steps need client-node's typed
 * clients; `loadKubeEndpoint` reads the same sources without client-node). Its clients share keep-alive connections
 * (see `poolConnectionsIfSupported`).
 *
 * @throws {UnknownKubeContextError} when `context` is not in the kubeconfig.
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const kube = new KubeConfig();
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
