import http from 'node:http';
import https from 'node:https';
import { digestOf } from './kube-pool.js';

/**
 * What {@link kubeRequest} needs of a Kubernetes identity: the current cluster's server and, per request, TLS and
 * authentication. client-node's `KubeConfig` is one; `loadKubeEndpoint` gives one without loading client-node.
 */
export interface KubeEndpoint {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string | undefined } | null;
  /** Sets CA, client certificate and key, server name, verification and the Authorization header on `options`. */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

/**
 * An HTTP error answer of the API server to {@link kubeRequest}: the status code and the body as text (a `Status`
 * JSON), the shape of client-node's `ApiException` so that callers read both the same way (see `httpStatusOf`).
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>,
    method: string,
    path: string,
  ) {
    super(`HTTP-Code: ${code} ${method} ${path} Body: ${body}`);
  }
}

/**
 * The HTTP status of a Kubernetes API error — a {@link KubeApiError} or client-node's `ApiException`, told by their
 * shared shape (a numeric `code` and a `body`) so that recognising one does not load client-node — else undefined.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('body' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** One request to the API server. */
export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path from the server's root, e.g. `/api/v1/namespaces/default/events`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Default `application/json`; a PATCH names its strategy here. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** How long the request may take from when it is sent until its answer ends; default {@link KUBE_REQUEST_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * Default time a request may take (as long as the local activities making them): a connection that went quiet
 * without closing (a half-open connection, a hung proxy) would otherwise hold the call forever.
 */
export const KUBE_REQUEST_TIMEOUT_MS = 30_000;

/** A request took longer than its `timeoutMs`: transient, as any request the server did not answer. */
export class KubeRequestTimeoutError extends Error {
  override readonly name = 'KubeRequestTimeoutError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} ${path}: no answer within ${timeoutMs} ms`);
  }
}

const agents = new WeakMap<KubeEndpoint, Map<string, http.Agent>>();

/**
 * Sends one request to the API server of `kube`'s current context and answers its JSON body — a lean path for the
 * engine's own calls on every run (read the resource, write its status, emit an Event): plain `node:https` on one
 * keep-alive agent per TLS identity, no `fetch` and no model (de)serialization.
 *
 * Guarantees: authentication and TLS come from `kube` for every request (`applyToHTTPSOptions`: bearer tokens,
 * token files and exec plugins refreshed as client-node does, client certificates, CA, `tls-server-name`,
 * `insecure-skip-tls-verify`); a cluster behind `proxy-url` goes through client-node's proxy agent. A non-2xx
 * answer throws {@link KubeApiError} with the status code and the body as text (the `Status` JSON), shaped as
 * client-node's `ApiException`, so callers classify errors one way whichever client made the call. A request is
 * given up `timeoutMs` after it is sent ({@link KubeRequestTimeoutError}) or when its `signal` fires; getting the
 * credentials (an exec plugin) is bounded only by the signal, as with client-node.
 * Caveats: bodies are plain JSON — timestamps stay strings (client-node's typed clients turn some into `Date`).
 * @throws {KubeApiError} for an HTTP error answer; {@link KubeRequestTimeoutError}; the request's own error
 * (network, abort) otherwise.
 */
export async function kubeRequest<T>(kube: KubeEndpoint, request: KubeRequest): Promise<T> {
  const outgoing = await outgoingRequest(kube, request);
  const timeoutMs = request.timeoutMs ?? KUBE_REQUEST_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  return await new Promise<T>((resolve, reject) => {
    const sent = outgoing.send(outgoing.url, outgoing.options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const code = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (code >= 200 && code < 300) resolve(parseBody(text) as T);
        else reject(new KubeApiError(code, text, headersOf(response), request.method, request.path));
      });
    });
    sent.on('error', reject);
    timer = setTimeout(
      () => sent.destroy(new KubeRequestTimeoutError(request.method, request.path, timeoutMs)),
      timeoutMs,
    );
    sent.end(outgoing.payload);
  }).finally(() => clearTimeout(timer));
}

/** Where `request` goes and how: its URL, its options (identity, agent, headers) and its body; `send` sends it. */
export async function outgoingRequest(kube: KubeEndpoint, request: KubeRequest) {
  const cluster = kube.getCurrentCluster();
  if (!cluster?.server) throw new Error('the kubeconfig names no cluster server for its current context');
  const identity: https.RequestOptions = {};
  await kube.applyToHTTPSOptions(identity);
  const url = requestUrl(cluster.server, request);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: http.OutgoingHttpHeaders = {
    ...(identity.headers as http.OutgoingHttpHeaders | undefined),
    Accept: 'application/json',
  };
  // A kubeconfig user with a username and password (basic auth) comes back as `auth`, not as a header.
  if (identity.auth && headers.Authorization === undefined)
    headers.Authorization = `Basic ${Buffer.from(identity.auth).toString('base64')}`;
  if (payload !== undefined) {
    headers['Content-Type'] = request.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  const agent = cluster.proxyUrl ? identity.agent : pooledAgent(kube, url.protocol, identity);
  const signal = request.signal ? { signal: request.signal } : {};
  const send = url.protocol === 'http:' ? http.request : https.request;
  return { url, payload, send, options: { method: request.method, headers, agent, ...signal } };
}

/**
 * The URL of `request` on `server`, keeping any path the server URL has (a cluster behind Rancher or a gateway is
 * `https://host/k8s/clusters/c-1`): `new URL(path, server)` would drop it.
 */
export function requestUrl(server: string, request: Pick<KubeRequest, 'path' | 'query'>): URL {
  const url = new URL(`${server.replace(/\/+$/, '')}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {}))
    if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

/** A response's headers, one string each. */
export function headersOf(response: http.IncomingMessage): Record<string, string> {
  const flat = Object.entries(response.headers).map(([name, value]) => [name, String(value)]);
  return Object.fromEntries(flat);
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Idle kept-alive connections close after this (so an agent left behind by a rotated certificate lets go of its own). */
const IDLE_SOCKET_MS = 60_000;

/** The keep-alive agent of one TLS identity (CA, client certificate and key, server name, verification). */
function pooledAgent(kube: KubeEndpoint, protocol: string, options: https.RequestOptions): http.Agent {
  let pool = agents.get(kube);
  if (!pool) {
    pool = new Map();
    agents.set(kube, pool);
  }
  const tls = {
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    servername: options.servername,
    rejectUnauthorized: options.rejectUnauthorized,
  };
  const key = `${protocol}${digestOf(tls)}`;
  const known = pool.get(key);
  if (known) return known;
  const made =
    protocol === 'http:'
      ? new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS })
      : new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, ...definedOnly(tls) });
  pool.set(key, made);
  return made;
}

function definedOnly<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Closes the keep-alive connections {@link kubeRequest} holds for `kube`; later requests open new ones. */
export function closeKubeRequestAgents(kube: KubeEndpoint): void {
  for (const agent of agents.get(kube)?.values() ?? []) agent.destroy();
  agents.delete(kube);
}
