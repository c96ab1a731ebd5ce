import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** What the operations endpoints report. */
export interface HealthSource {
  /** Live: the process works (the event loop answers). */
  readonly live: () => boolean;
  /** Ready: every informer has listed; a standby is ready too (it can take over). */
  readonly ready: () => boolean;
  readonly registry: Registry;
}

/**
 * Serves `/healthz`, `/readyz` and `/metrics` (Prometheus text) on `host:port`. Resolves with the server and the
 * port it listens on (`port` 0 picks a free one).
 */
export async function startHealthServer(
  source: HealthSource,
  host: string,
  port: number,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' ? source.live() : source.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
      return;
    }
    if (path === '/metrics') {
      source.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': source.registry.contentType }).end(text))
        .catch((error: unknown) => res.writeHead(500).end(String(error)));
      return;
    }
    res.writeHead(404).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}
