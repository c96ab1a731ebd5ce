import { PermanentError } from 'staircase-temporal';
import type { DnsRecord } from './dns-provider.js';

/** What the website steps need from the DNS provider. */
export interface DnsClient {
  recordsOf(owner: string): Promise<DnsRecord[]>;
  /** Creates the owner's record; if the owner already has one (a retried call), returns that one. */
  create(record: Omit<DnsRecord, 'id'>): Promise<DnsRecord>;
  remove(id: string): Promise<void>;
}

/**
 * A client of the DNS provider's HTTP API at `baseUrl()` (asked on every call, so `staircase dev` can start the
 * provider after the operator module loaded). 5xx answers throw (retried); 4xx are permanent.
 */
export function dnsClient(baseUrl: () => string): DnsClient {
  const call = async (path: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(`${baseUrl()}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    if (response.status >= 500)
      throw new Error(`DNS provider answered ${response.status} to ${init?.method ?? 'GET'} ${path}`);
    return response;
  };
  return {
    async recordsOf(owner) {
      return (await (await call(`/records?owner=${encodeURIComponent(owner)}`)).json()) as DnsRecord[];
    },
    async create(record) {
      const response = await call('/records', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(record),
      });
      if (response.status === 201 || response.status === 409) return (await response.json()) as DnsRecord;
      throw new PermanentError(`DNS provider refused the record: ${await response.text()}`, 'DnsRejected');
    },
    async remove(id) {
      const response = await call(`/records/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (response.status !== 204 && response.status !== 404)
        throw new Error(`DNS delete answered ${response.status}`);
    },
  };
}
