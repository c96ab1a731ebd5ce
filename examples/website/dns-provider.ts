/**
 * A small, real DNS-provider HTTP service for the website example: it stands for an external API the operator
 * must not call twice by accident. Records live in memory. Optional latency and failure rate make retries visible.
 *
 * API: GET /records[?owner=ID], GET /records/:id, POST /records {hostname,target,owner} (409 when the owner already
 * has a record, with that record in the body), DELETE /records/:id.
 *
 * Run alone: `tsx examples/website/dns-provider.ts --port 8053 [--latency-ms 50] [--failure-rate 0.1]`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** A DNS record. */
export interface DnsRecord {
  readonly id: string;
  readonly hostname: string;
  readonly target: string;
  /** Who the record belongs to (the Website's uid): at most one record per owner. */
  readonly owner: string;
}

/** Options of {@link startDnsProvider}. */
export interface DnsProviderOptions {
  readonly port?: number;
  readonly host?: string;
  /** Added to every request. */
  readonly latencyMs?: number;
  /** Share of requests answered 503 (0–1). */
  readonly failureRate?: number;
  /** Delay between storing a new record and answering (widens the window in which a caller can crash). */
  readonly createDelayMs?: number;
}

/** A running DNS provider. */
export interface RunningDnsProvider {
  readonly url: string;
  readonly records: ReadonlyMap<string, DnsRecord>;
  stop(): Promise<void>;
}

const NewRecord = z.object({
  hostname: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
  target: z.string().min(1),
  owner: z.string().min(1),
});

/** Starts the provider on loopback. */
export async function startDnsProvider(options: DnsProviderOptions = {}): Promise<RunningDnsProvider> {
  const records = new Map<string, DnsRecord>();
  const server = createServer((req, res) => {
    setTimeout(() => {
      if (Math.random() < (options.failureRate ?? 0)) return send(res, 503, { error: 'injected failure' });
      handle(records, req, res, options.createDelayMs ?? 0).catch((error: unknown) =>
        send(res, 500, { error: String(error) }),
      );
    }, options.latencyMs ?? 0);
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    records,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(
  records: Map<string, DnsRecord>,
  req: IncomingMessage,
  res: ServerResponse,
  createDelayMs: number,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const id = /^\/records\/([^/]+)$/.exec(url.pathname)?.[1];
  if (url.pathname === '/records' && req.method === 'GET') return list(records, url, res);
  if (url.pathname === '/records' && req.method === 'POST') {
    const body = await readJson(req);
    const created = create(records, body, res);
    if (created) setTimeout(() => send(res, 201, created), createDelayMs);
    return;
  }
  if (id && req.method === 'GET')
    return records.has(id) ? send(res, 200, records.get(id)) : send(res, 404, { error: 'no such record' });
  if (id && req.method === 'DELETE') return send(res, records.delete(id) ? 204 : 404, undefined);
  send(res, 404, { error: 'not found' });
}

function list(records: Map<string, DnsRecord>, url: URL, res: ServerResponse): void {
  const owner = url.searchParams.get('owner');
  send(
    res,
    200,
    [...records.values()].filter((r) => !owner || r.owner === owner),
  );
}

/** Stores a new record and returns it (the caller answers 201), or answers 400/409 itself. */
function create(records: Map<string, DnsRecord>, body: unknown, res: ServerResponse): DnsRecord | undefined {
  const parsed = NewRecord.safeParse(body);
  if (!parsed.success) {
    send(res, 400, { error: parsed.error.issues.map((i) => i.message).join('; ') });
    return;
  }
  const existing = [...records.values()].find((r) => r.owner === parsed.data.owner);
  if (existing) {
    send(res, 409, existing);
    return;
  }
  const record = { id: randomUUID(), ...parsed.data };
  records.set(record.id, record);
  return record;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(body === undefined ? undefined : JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'latency-ms': { type: 'string' },
      'failure-rate': { type: 'string' },
    },
  });
  const provider = await startDnsProvider({
    port: Number(values.port ?? 8053),
    latencyMs: Number(values['latency-ms'] ?? 0),
    failureRate: Number(values['failure-rate'] ?? 0),
  });
  console.log(`DNS provider listening on ${provider.url}`);
}
