import { KubeConfig } from '@kubernetes/client-node';
import { type KubeConfigSource, loadInto } from './kube-config-source.js';

export { type KubeConfigSource, UnknownKubeContextError } from './kube-config-source.js';

/**
 * client-node's Kubernetes client configuration for `source` (processes whose steps need client-node's typed
 * clients; `loadKubeEndpoint` reads the same sources without client-node). Its clients share keep-alive connections
 * (see `poolConnectionsIfSupported`).
 *
 * @throws {UnknownKubeContextError} when `context` is not in the kubeconfig.
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  return loadInto(new KubeConfig(), source);
}
