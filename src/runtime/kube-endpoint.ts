import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { z } from 'zod';
import { type KubeConfigSource, loadInto, UnknownKubeContextError } from './kube-config-source.js';
import type { KubeEndpoint } from './kube-http.js';

/** A kubeconfig that cannot be read or does not say how to reach its current cluster. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`kubeconfig ${file}: ${problem}`);
  }
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Credentials read from files are read again after this long (tokens and certificates rotate). */
const FILE_TTL_MS = 60_000;

const NamedCluster = z.object({
  name: z.string(),
  cluster: z
    .object({
      server: z.string().min(1),
      'certificate-authority': z.string().optional(),
      'certificate-authority-data': z.string().optional(),
      'insecure-skip-tls-verify': z.boolean().optional(),
      'tls-server-name': z.string().optional(),
      'proxy-url': z.string().optional(),
    })
    .loose(),
});
const NamedUser = z.object({ name: z.string(), user: z.record(z.string(), z.unknown()).nullish() });
const NamedContext = z.object({
  name: z.string(),
  context: z.object({ cluster: z.string(), user: z.string().optional() }).loose(),
});
const KubeconfigFile = z
  .object({
    clusters: z.array(NamedCluster).nullish(),
    users: z.array(NamedUser).nullish(),
    contexts: z.array(NamedContext).nullish(),
    'current-context': z.string().optional(),
  })
  .loose();

/** The user fields this loader handles itself; any other (exec, auth-provider, impersonation) goes to client-node. */
const LeanUser = z
  .object({
    token: z.string().optional(),
    tokenFile: z.string().optional(),
    'client-certificate': z.string().optional(),
    'client-certificate-data': z.string().optional(),
    'client-key': z.string().optional(),
    'client-key-data': z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
  })
  .strict();

/** Bytes given inline (base64) or by a file, read again after {@link FILE_TTL_MS}. */
type Material = () => Buffer | undefined;

interface LeanIdentity {
  readonly server: string;
  readonly ca: Material;
  readonly cert: Material;
  readonly key: Material;
  readonly token: Material;
  readonly basic?: string | undefined;
  readonly insecure: boolean;
  readonly serverName?: string | undefined;
}

/**
 * A Kubernetes identity read without client-node: what the watcher (and `kubeRequest`) needs, at a fraction of
 * client-node's memory (loading it costs a process ≈60 MB). Remembers where it came from, so a process can still
 * build client-node's `KubeConfig` from the same source when it needs one ({@link kubeConfigOf}).
 */
class LeanKubeEndpoint implements KubeEndpoint {
  constructor(
    readonly source: KubeConfigSource,
    private readonly identity: LeanIdentity,
  ) {}

  getCurrentCluster() {
    return { server: this.identity.server };
  }

  async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    const { ca, cert, key, token, basic, insecure, serverName } = this.identity;
    const defined = { ca: ca(), cert: cert(), key: key() };
    for (const [name, value] of Object.entries(defined)) if (value) Object.assign(options, { [name]: value });
    if (insecure) options.rejectUnauthorized = false;
    if (serverName) options.servername = serverName;
    const bearer = token()?.toString('utf8').trim();
    if (bearer) options.headers = { ...options.headers, Authorization: `Bearer ${bearer}` };
    else if (basic) options.auth = basic;
  }
}

/**
 * The Kubernetes identity of `source`, read without loading client-node when the kubeconfig uses only what this
 * loader knows: a server with its CA (file or data), `insecure-skip-tls-verify` and `tls-server-name`; a user with a
 * token or token file, a client certificate and key (files or data), or a username and password; the pod's service
 * account in-cluster. Anything else — exec plugins, auth providers, `proxy-url`, impersonation, several files in
 * `KUBECONFIG` — is loaded by client-node (`loadKubeConfig`), whose `KubeConfig` is a `KubeEndpoint` too.
 *
 * Guarantees: token, CA and certificate files are read again a minute after they were last read, as client-node
 * does for tokens, so rotated credentials are picked up. Relative paths in a kubeconfig are taken from its folder.
 * @throws {KubeConfigError} for a file that cannot be read or parsed, or a context without a cluster;
 * {@link UnknownKubeContextError} when `source.context` is not in the kubeconfig.
 */
export async function loadKubeEndpoint(source: KubeConfigSource): Promise<KubeEndpoint> {
  const lean = leanIdentityOf(source);
  if (lean) return new LeanKubeEndpoint(source, lean);
  const { loadKubeConfig } = await import('./kube-config.js');
  return loadKubeConfig(source);
}

const requireHere = createRequire(import.meta.url);
const madeConfigs = new WeakMap<KubeEndpoint, KubeConfig>();

/**
 * client-node's `KubeConfig` for `endpoint`: itself when it is one, else loaded once from the source the lean
 * endpoint was read from, then the same object on every call.
 * Caveats: synchronous, so that a step's `kube.config` can stay a plain property: the first call in a process that
 * has not loaded client-node yet loads it (`require` of its ES module, ≈1 s of blocked event loop, once).
 */
export function kubeConfigOf(endpoint: KubeEndpoint): KubeConfig {
  if (isClientNodeConfig(endpoint)) return endpoint;
  if (!(endpoint instanceof LeanKubeEndpoint))
    throw new TypeError('a KubeEndpoint of unknown make: pass client-node’s KubeConfig where one is needed');
  let made = madeConfigs.get(endpoint);
  if (!made) {
    const clientNode = requireHere('@kubernetes/client-node') as typeof import('@kubernetes/client-node');
    made = loadInto(new clientNode.KubeConfig(), endpoint.source);
    madeConfigs.set(endpoint, made);
  }
  return made;
}

/** The `KubeConfig` {@link kubeConfigOf} made for `endpoint`, if it made one (to close its connections). */
export function madeKubeConfigOf(endpoint: KubeEndpoint): KubeConfig | undefined {
  return madeConfigs.get(endpoint);
}

/** True for client-node's `KubeConfig` (told by its `makeApiClient`, so that asking does not load client-node). */
export function isClientNodeConfig(endpoint: KubeEndpoint): endpoint is KubeConfig {
  return typeof (endpoint as Partial<KubeConfig>).makeApiClient === 'function';
}

function leanIdentityOf(source: KubeConfigSource): LeanIdentity | undefined {
  if (source.file) return fromFile(source.file, source.context);
  if (source.fallback === 'in-cluster')
    return source.context ? undefined : inCluster(SERVICE_ACCOUNT, process.env);
  const files = (process.env.KUBECONFIG ?? '').split(':').filter(Boolean);
  if (files.length > 1) return undefined;
  const file = files[0] ?? resolve(homedir(), '.kube/config');
  if (files.length === 1 || existsSync(file)) return fromFile(file, source.context);
  return source.context ? undefined : inCluster(SERVICE_ACCOUNT, process.env);
}

/**
 * The pod's own identity: the API server from `KUBERNETES_SERVICE_HOST` and `_PORT`, the CA and the service account
 * token from `serviceAccountDir` (read again a minute after the last read, as the kubelet rotates the token);
 * undefined outside a pod. `loadKubeEndpoint` uses it for in-cluster sources.
 */
export function inClusterEndpoint(
  serviceAccountDir = SERVICE_ACCOUNT,
  env: Readonly<Record<string, string | undefined>> = process.env,
): KubeEndpoint | undefined {
  const identity = inCluster(serviceAccountDir, env);
  return identity ? new LeanKubeEndpoint({ fallback: 'in-cluster' }, identity) : undefined;
}

function inCluster(
  serviceAccountDir: string,
  env: Readonly<Record<string, string | undefined>>,
): LeanIdentity | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  return {
    server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    ca: fileMaterial(`${serviceAccountDir}/ca.crt`),
    cert: () => undefined,
    key: () => undefined,
    token: fileMaterial(`${serviceAccountDir}/token`),
    insecure: false,
  };
}

function fromFile(file: string, contextName: string | undefined): LeanIdentity | undefined {
  const config = readKubeconfig(file);
  const name = contextName ?? config['current-context'];
  const contexts = config.contexts ?? [];
  const context = contexts.find((candidate) => candidate.name === name);
  if (contextName && !context)
    throw new UnknownKubeContextError(
      contextName,
      contexts.map((c) => c.name),
    );
  if (!context) throw new KubeConfigError(file, `no context named "${name ?? ''}" (its current-context)`);
  const cluster = config.clusters?.find((candidate) => candidate.name === context.context.cluster)?.cluster;
  if (!cluster) throw new KubeConfigError(file, `context "${context.name}" names no known cluster`);
  const user = LeanUser.safeParse(
    config.users?.find((candidate) => candidate.name === context.context.user)?.user ?? {},
  );
  if (!user.success || cluster['proxy-url']) return undefined;
  const folder = dirname(resolve(file));
  const material = (data: Buffer | undefined, path: string | undefined): Material =>
    data ? () => data : path ? fileMaterial(resolve(folder, path)) : () => undefined;
  const base64 = (data: string | undefined) => (data ? Buffer.from(data, 'base64') : undefined);
  const { token, tokenFile, username, password } = user.data;
  return {
    server: cluster.server,
    ca: material(base64(cluster['certificate-authority-data']), cluster['certificate-authority']),
    cert: material(base64(user.data['client-certificate-data']), user.data['client-certificate']),
    key: material(base64(user.data['client-key-data']), user.data['client-key']),
    token: material(token ? Buffer.from(token) : undefined, tokenFile),
    basic: username !== undefined ? `${username}:${password ?? ''}` : undefined,
    insecure: cluster['insecure-skip-tls-verify'] === true,
    serverName: cluster['tls-server-name'],
  };
}

function readKubeconfig(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KubeConfigError(file, `cannot be read (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    throw new KubeConfigError(file, `is not YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const config = KubeconfigFile.safeParse(parsed ?? {});
  if (!config.success) throw new KubeConfigError(file, z.prettifyError(config.error).replaceAll('\n', '; '));
  return config.data;
}

function fileMaterial(path: string): Material {
  let cached: { value: Buffer; readAt: number } | undefined;
  return () => {
    if (!cached || Date.now() - cached.readAt > FILE_TTL_MS)
      cached = { value: readFileSync(path), readAt: Date.now() };
    return cached.value;
  };
}
