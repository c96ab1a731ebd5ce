import { request } from 'node:https';
import type { CertifiedKey } from './pki.js';

/** TLS material for {@link httpsGet}. */
export interface TlsClient {
  /** CA to verify the server with; when absent the server's certificate is not verified (self-signed health ports). */
  readonly caPem?: string;
  readonly client?: CertifiedKey;
}

/** Performs a GET and resolves with the status code and body; rejects on connection errors or after 5 s. */
export function httpsGet(url: string, tls: TlsClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        timeout: 5_000,
        ...(tls.caPem ? { ca: tls.caPem } : { rejectUnauthorized: false }),
        ...(tls.client ? { cert: tls.client.certPem, key: tls.client.keyPem } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** A readiness probe: `true` when `url` answers 200, `undefined` otherwise. */
export async function answers200(url: string, tls: TlsClient): Promise<true | undefined> {
  const { status } = await httpsGet(url, tls);
  return status === 200 ? true : undefined;
}
