import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { dataConverterFor } from '../codec/data-converter.js';
import { backoffDelay } from '../core/backoff.js';
import { explainAccessDenied } from './temporal-access.js';

export { explainAccessDenied, TemporalAccessDeniedError } from './temporal-access.js';

/** How to reach Temporal: address, namespace, and mTLS or an API key. */
export const TemporalSettingsSchema = z
  .object({
    address: z.string().min(1).default('localhost:7233'),
    namespace: z.string().min(1).default('default'),
    /** mTLS: client certificate and key files (both or neither), and optionally the server CA. */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    tlsCa: z.string().min(1).optional(),
    tlsServerName: z.string().min(1).optional(),
    /** API key, sent as a bearer token (implies TLS): Temporal Cloud's, or a JWT a self-hosted server's authorizer checks. */
    apiKey: z.string().min(1).optional(),
  })
  .refine((s) => Boolean(s.tlsCert) === Boolean(s.tlsKey), {
    message: 'give both --tls-cert and --tls-key, or neither',
  });

/**
 * Validated Temporal settings, and the payload codec every client, worker and replayer of the process uses (see
 * `createPayloadCodec`); payloads are stored as they are without one.
 */
export type TemporalSettings = z.output<typeof TemporalSettingsSchema> & { readonly codec?: PayloadCodec };

/** Temporal could not be reached at the configured address. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    options?: ErrorOptions,
  ) {
    const cause = options?.cause;
    super(
      `cannot reach Temporal at ${address}: ${cause instanceof Error ? cause.message : String(cause)}`,
      options,
    );
  }
}

function connectionOptions(settings: TemporalSettings): ConnectionOptions {
  const tls =
    settings.tlsCert || settings.apiKey || settings.tlsCa
      ? {
          ...(settings.tlsCert && settings.tlsKey
            ? { clientCertPair: { crt: readFileSync(settings.tlsCert), key: readFileSync(settings.tlsKey) } }
            : {}),
          ...(settings.tlsCa ? { serverRootCACertificate: readFileSync(settings.tlsCa) } : {}),
          ...(settings.tlsServerName ? { serverNameOverride: settings.tlsServerName } : {}),
        }
      : undefined;
  return {
    address: settings.address,
    ...(tls ? { tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  };
}

/** The error a failed connection attempt becomes: the credentials were refused, or Temporal was not reached. */
function connectFailure(error: unknown, settings: TemporalSettings): Error {
  const explained = explainAccessDenied(error, settings);
  return explained !== error && explained instanceof Error
    ? explained
    : new TemporalUnreachableError(settings.address, { cause: error });
}

/**
 * A Temporal client for `settings`.
 *
 * @throws {TemporalAccessDeniedError} when the server refuses the credentials (an expired API key, say); a key
 * without a role on the namespace is refused only by the first call that needs one.
 * @throws {TemporalUnreachableError} naming the address.
 */
export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(settings)).catch((error: unknown) => {
    throw connectFailure(error, settings);
  });
  const dataConverter = dataConverterFor(settings.codec);
  return new Client({
    connection,
    namespace: settings.namespace,
    ...(dataConverter ? { dataConverter } : {}),
  });
}

/**
 * A worker connection for `settings`; one is shared by every worker of a process.
 *
 * @throws {TemporalAccessDeniedError} when the server refuses the credentials.
 * @throws {TemporalUnreachableError} naming the address.
 */
export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  // The worker SDK is loaded by workers only: a watcher's process stays without it.
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await NativeConnection.connect(
      connectionOptions(settings) as Parameters<typeof NativeConnection.connect>[0],
    );
  } catch (error) {
    throw connectFailure(error, settings);
  }
}

/** Options of {@link connectWorkerWhenUp}. */
export interface WaitForTemporalOptions {
  /** One line per failed attempt. */
  readonly log: (line: string) => void;
  /** Ends the wait (say, on SIGTERM): the call then rejects with the last connection error. */
  readonly signal?: AbortSignal;
}

/**
 * A worker connection for `settings`, waiting for Temporal to come up: retried with backoff (0.5 s doubling to
 * 10 s) until it connects or `signal` aborts, so a worker started before Temporal waits instead of exiting.
 *
 * @throws {TemporalAccessDeniedError} at once when the server refuses the credentials: waiting would not help.
 * @throws {TemporalUnreachableError} once `signal` aborts.
 */
export async function connectWorkerWhenUp(
  settings: TemporalSettings,
  options: WaitForTemporalOptions,
): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connectWorker(settings);
    } catch (error) {
      if (!(error instanceof TemporalUnreachableError) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, { initialMs: 500, maxMs: 10_000 });
      options.log(`${error.message.split('\n')[0]}; trying again in ${(delayMs / 1000).toFixed(1)} s`);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {}).catch(() => {});
      if (options.signal?.aborted) throw error;
    }
  }
}
