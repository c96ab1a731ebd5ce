import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PayloadCodec } from '@temporalio/common';
import { PayloadsJsonSchema, payloadsFromJson, payloadsToJson } from './codec-protocol.js';

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  readonly codec: PayloadCodec;
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /**
   * Origins allowed to call from a browser (the Temporal UI's, e.g. `http://localhost:8233`); `*` allows any.
   * Requests without an `Origin` header (curl, the `temporal` CLI) are always served.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * When set, every `/encode` and `/decode` request must carry `Authorization: Bearer <token>` (or exactly this
   * value when it already starts with a scheme such as `Bearer `).
   */
  readonly authorization?: string;
}

/** A running codec server. */
export interface CodecServer {
  /** `http://host:port`: the codec endpoint for the Temporal UI (`--ui-codec-endpoint`) and CLI (`--codec-endpoint`). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Serves Temporal's remote codec protocol: `POST …/encode` and `POST …/decode` take and return `Payloads` as JSON,
 * so the Temporal UI and CLI show decrypted payloads to whoever may call it.
 *
 * Guarantees: CORS answers name only allowed origins; with `authorization`, no payload is encoded or decoded for
 * a request without it (preflight requests carry no credentials and are answered without it).
 * Errors: a body that is not `Payloads` JSON is answered 400; a payload the codec cannot decode (unknown key) 422,
 * with the codec's message.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, port, close: () => closeServer(server) };
}

async function handle(options: CodecServerOptions, req: IncomingMessage, res: ServerResponse) {
  const cors = corsHeaders(options.allowedOrigins, req.headers.origin);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const action = path.endsWith('/encode') ? 'encode' : path.endsWith('/decode') ? 'decode' : undefined;
  if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
  if (!action) return reply(res, 404, cors, 'not found: POST /encode or /decode');
  if (req.method !== 'POST') return reply(res, 405, cors, 'use POST');
  if (req.headers.origin && !cors['access-control-allow-origin'])
    return reply(res, 403, cors, `origin ${req.headers.origin} is not allowed`);
  if (!authorized(options.authorization, req.headers.authorization))
    return reply(res, 401, cors, 'missing or wrong Authorization header');
  const body = PayloadsJsonSchema.safeParse(await readJson(req));
  if (!body.success) return reply(res, 400, cors, 'the body is not Payloads JSON: {"payloads":[…]}');
  const payloads = payloadsFromJson(body.data);
  let result: Awaited<ReturnType<PayloadCodec['encode']>>;
  try {
    result = await options.codec[action](payloads);
  } catch (error) {
    return reply(res, 422, cors, error instanceof Error ? error.message : String(error));
  }
  res
    .writeHead(200, { ...cors, 'content-type': 'application/json' })
    .end(JSON.stringify(payloadsToJson(result)));
}

function corsHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  if (!origin || !(allowed.includes('*') || allowed.includes(origin))) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

function authorized(expected: string | undefined, given: string | undefined): boolean {
  if (expected === undefined) return true;
  const want = Buffer.from(/^\w+ /.test(expected) ? expected : `Bearer ${expected}`);
  const got = Buffer.from(given ?? '');
  return got.length === want.length && timingSafeEqual(got, want);
}

function reply(res: ServerResponse, status: number, headers: Record<string, string>, message: string) {
  res.writeHead(status, { ...headers, 'content-type': 'text/plain' }).end(`${message}\n`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
