import { createServer } from 'node:net';

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago.
 *
 * Caveats: another process may take the port before the caller binds it; servers started with it fail
 * fast in that case and the caller's readiness check reports it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/**
 * A TCP port on 127.0.0.1 in `[min, max]` that was free a moment ago, for servers that store their port in a
 * narrow column (Temporal's SQL membership table keeps it as a signed 16-bit number, so below 32768, where the
 * kernel's ephemeral range starts and {@link freePort} answers).
 *
 * @throws {Error} when no port was free after many tries.
 */
export async function freePortBetween(min: number, max: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${min} and ${max}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.on('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
