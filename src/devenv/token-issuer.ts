import { createPublicKey, generateKeyPair, type KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

/** Claims of an API key as the Temporal server's default JWT claim mapper reads them. */
export interface ApiKeyClaims {
  /** Who the key belongs to (`sub`). */
  readonly subject: string;
  /**
   * `<namespace>:<role>` entries (`permissions`), role one of `read`, `write`, `worker`, `admin`; `temporal-system:admin`
   * for the whole cluster.
   */
  readonly permissions: readonly string[];
  /** Seconds until it expires (`exp`); negative for a key that has already expired. One hour when absent. */
  readonly expiresInSeconds?: number;
}

/** A JSON Web Key Set served over loopback HTTP. */
export interface ServedJwks {
  /** `http://127.0.0.1:PORT/jwks.json`, for the server's `jwtKeyProvider.keySourceURIs`. */
  readonly url: string;
  close(): Promise<void>;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * A throw-away issuer of API keys for a test Temporal server: an RSA key pair in memory, its public half as a JWKS
 * (`kid` set, as the server's key provider requires), and RS256 JWTs signed with the private half.
 *
 * Never use it outside loopback test servers: whoever holds the issuer mints any permission.
 */
export class TokenIssuer {
  private constructor(
    private readonly privateKey: KeyObject,
    /** The key id in the JWKS and in every token's header. */
    readonly keyId: string,
  ) {}

  static async create(): Promise<TokenIssuer> {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    return new TokenIssuer(privateKey, randomUUID());
  }

  /** The public key set the server fetches to verify tokens. */
  get jwks(): { keys: Record<string, unknown>[] } {
    const jwk = createPublicKey(this.privateKey).export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: this.keyId, alg: 'RS256', use: 'sig' }] };
  }

  /** An RS256 JWT with `sub`, `permissions`, `iat` and `exp`: the value of `--api-key`. */
  sign(claims: ApiKeyClaims): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: this.keyId };
    const payload = {
      sub: claims.subject,
      permissions: claims.permissions,
      iat: now,
      exp: now + (claims.expiresInSeconds ?? 3600),
    };
    const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    return `${unsigned}.${base64url(sign('sha256', Buffer.from(unsigned), this.privateKey))}`;
  }

  /**
   * Serves {@link TokenIssuer.jwks} on a free loopback port (plain HTTP: the server fetches it with Go's default
   * client, which speaks `http` and `https` only, and would not trust a test CA).
   */
  serveJwks(): Promise<ServedJwks> {
    const body = JSON.stringify(this.jwks);
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve({
          url: `http://127.0.0.1:${port}/jwks.json`,
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        });
      });
    });
  }
}
