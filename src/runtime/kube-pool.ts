import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * What client-node builds a request's connection from (its private `createDispatcher`): the cluster and the TLS
 * options read from the kubeconfig for this request.
 */
type CreateDispatcher = (cluster: unknown, agentOptions: object) => PooledDispatcher | undefined;

/** The part of an undici dispatcher the pool uses. */
interface PooledDispatcher {
  close(): Promise<void>;
}

interface PooledKubeConfig {
  createDispatcher?: CreateDispatcher;
  createDispatcherOptions?: (cluster: unknown, agentOptions: object) => unknown;
}

const pools = new WeakMap<KubeConfig, Map<string, PooledDispatcher>>();

/** client-node's internals changed: the pool cannot be installed (pin or update this module). */
export class KubePoolUnsupportedError extends Error {
  override readonly name = 'KubePoolUnsupportedError';
}

/**
 * Makes every client made from `kube` (`kube.makeApiClient(...)`, `KubernetesObjectApi.makeApiClient(kube)`,
 * `Watch`, `makeInformer`) share keep-alive connections: one undici dispatcher per TLS identity (server CA, client
 * certificate and key, server name) instead of a new one, and so a new TCP + TLS handshake, per request.
 * Returns `kube` itself, changed in place; calling it again is harmless.
 *
 * Why: `@kubernetes/client-node` 2.0.1 builds a new undici `Agent` in `applySecurityAuthentication`, which every
 * API call and every watch goes through (it caches the `https.Agent` of `applyToHTTPSOptions`, not this one; see
 * kubernetes-client/javascript#2893). Each call then pays a handshake on both ends.
 *
 * Guarantees: the kubeconfig is still read per request, so rotated bearer tokens (in-cluster, exec plugins) keep
 * working; a rotated client certificate or CA gets a new dispatcher of its own (the key is a digest of the TLS
 * material). Long watches hold one connection each, as before; other calls reuse the idle ones.
 * Caveats: relies on client-node's `createDispatcher` (a private method of 2.0.x); when it is missing this throws
 * rather than silently pooling nothing. Connections close after undici's keep-alive timeout or
 * {@link closePooledConnections}.
 * @throws {KubePoolUnsupportedError} when the installed client-node has no `createDispatcher` to wrap.
 */
export function poolConnections(kube: KubeConfig): KubeConfig {
  if (pools.has(kube)) return kube;
  const internals = kube as unknown as PooledKubeConfig;
  const original = internals.createDispatcher;
  const describe = internals.createDispatcherOptions;
  if (typeof original !== 'function' || typeof describe !== 'function')
    throw new KubePoolUnsupportedError(
      'this @kubernetes/client-node has no KubeConfig.createDispatcher to pool connections with (written for 2.0.x)',
    );
  const pool = new Map<string, PooledDispatcher>();
  pools.set(kube, pool);
  internals.createDispatcher = (cluster, agentOptions) => {
    const key = digestOf(describe.call(kube, cluster, agentOptions));
    const known = pool.get(key);
    if (known) return known;
    const made = original.call(kube, cluster, agentOptions);
    if (made) pool.set(key, made);
    return made;
  };
  return kube;
}

/**
 * {@link poolConnections} where the installed client-node allows it; otherwise `kube` is left as it is (a connection
 * per request, slower but correct) and this returns false, so a newer client-node never stops a process from starting.
 */
export function poolConnectionsIfSupported(kube: KubeConfig): boolean {
  try {
    poolConnections(kube);
    return true;
  } catch (error) {
    if (error instanceof KubePoolUnsupportedError) return false;
    throw error;
  }
}

/** How many pooled dispatchers `kube` holds (one per TLS identity in use); 0 when it is not pooled. */
export function pooledDispatcherCount(kube: KubeConfig): number {
  return pools.get(kube)?.size ?? 0;
}

/** Closes the pooled connections of `kube` (waiting for requests in flight); later requests open new ones. */
export async function closePooledConnections(kube: KubeConfig): Promise<void> {
  const pool = pools.get(kube);
  if (!pool) return;
  const dispatchers = [...pool.values()];
  pool.clear();
  await Promise.allSettled(dispatchers.map((dispatcher) => dispatcher.close()));
}

/**
 * A digest of TLS options (CA, certificate, key, … as Buffers or strings, nested or not): equal options, equal
 * digests. Buffers are hashed as base64, not as the arrays of numbers `JSON.stringify` would make of them.
 */
export function digestOf(options: unknown): string {
  const text = JSON.stringify(options, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? raw.toString('base64') : value;
  });
  return createHash('sha256').update(text).digest('hex');
}
