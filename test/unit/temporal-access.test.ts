import { describe, expect, it } from 'vitest';
import {
  accessDeniedReason,
  explainAccessDenied,
  TemporalAccessDeniedError,
} from '../../src/runtime/temporal-access.js';

const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
const settings = { address: '127.0.0.1:7233', namespace: 'prod' };

describe('a refusal of the credentials is told apart from other failures', () => {
  it.each([
    ['PERMISSION_DENIED from the client', grpcError(7, 'Request unauthorized.'), 'Request unauthorized.'],
    ['UNAUTHENTICATED from the client', grpcError(16, 'token expired'), 'token expired'],
    [
      'PERMISSION_DENIED wrapped by the client connect',
      new Error('Failed to connect to Temporal server', { cause: grpcError(7, 'Request unauthorized.') }),
      'Request unauthorized.',
    ],
    [
      "the worker's native connection (text only)",
      new Error(
        "Failed to call GetSystemInfo: code: 'The caller does not have permission to execute the specified " +
          'operation\', message: "Request unauthorized."',
      ),
      'Request unauthorized.',
    ],
    ['UNAVAILABLE (server down)', grpcError(14, 'connection refused'), undefined],
    ['NOT_FOUND', grpcError(5, 'workflow not found'), undefined],
    ['not an error', 'text', undefined],
  ])('%s', (_name, error, reason) => {
    expect(accessDeniedReason(error)).toBe(reason);
  });

  it('names the credential that was presented and what to check', () => {
    const refused = grpcError(7, 'Request unauthorized.');
    const withKey = explainAccessDenied(refused, { ...settings, apiKey: 'k' });
    const withCert = explainAccessDenied(refused, { ...settings, tlsCert: 'c.crt' });
    const bare = explainAccessDenied(refused, settings);
    expect(withKey).toBeInstanceOf(TemporalAccessDeniedError);
    expect([withKey, withCert, bare].map((e) => (e as TemporalAccessDeniedError).credential)).toEqual([
      'API key',
      'client certificate',
      'none',
    ]);
    expect((withKey as Error).message).toBe(
      'Temporal at 127.0.0.1:7233 refused the API key on namespace "prod" (Request unauthorized.): check that ' +
        'the key (--api-key or TEMPORAL_API_KEY) has not expired, is signed by a key the server trusts, and ' +
        'grants a role on "prod"',
    );
    const other = grpcError(14, 'down');
    expect(explainAccessDenied(other, settings)).toBe(other);
  });
});
