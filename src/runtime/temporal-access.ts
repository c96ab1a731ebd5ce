/** What a process presented to Temporal: an API key, a client certificate, or nothing. */
export type TemporalCredential = 'API key' | 'client certificate' | 'none';

/** The parts of the Temporal settings {@link TemporalAccessDeniedError} names. */
export interface AccessSettings {
  readonly address: string;
  readonly namespace: string;
  readonly apiKey?: string | undefined;
  readonly tlsCert?: string | undefined;
}

const HINTS: Record<TemporalCredential, (namespace: string) => string> = {
  'API key': (namespace) =>
    `check that the key (--api-key or TEMPORAL_API_KEY) has not expired, is signed by a key the server trusts, ` +
    `and grants a role on "${namespace}"`,
  'client certificate': (namespace) =>
    `check that the server's authorizer grants this certificate (--tls-cert) a role on "${namespace}", or give ` +
    `an API key (--api-key or TEMPORAL_API_KEY)`,
  none: () =>
    'the server asks for an API key (--api-key or TEMPORAL_API_KEY) or a client certificate (--tls-cert and --tls-key)',
};

/**
 * Temporal answered, and refused the credentials (gRPC `PERMISSION_DENIED` or `UNAUTHENTICATED`): a missing,
 * expired or untrusted API key, or one without a role on the namespace. Permanent: retrying does not help.
 */
export class TemporalAccessDeniedError extends Error {
  override readonly name = 'TemporalAccessDeniedError';
  readonly credential: TemporalCredential;
  constructor(
    readonly address: string,
    readonly namespace: string,
    credential: TemporalCredential,
    /** What the server said, e.g. `Request unauthorized.` */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    const presented =
      credential === 'none' ? 'a request without an API key or client certificate' : `the ${credential}`;
    super(
      `Temporal at ${address} refused ${presented} on namespace "${namespace}" (${reason}): ` +
        HINTS[credential](namespace),
      options,
    );
    this.credential = credential;
  }
}

/** gRPC status codes of a refusal (`@grpc/grpc-js` is not a dependency of its own). */
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

// The worker's native connection reports a refusal as text only: the gRPC status descriptions of its Rust client.
const NATIVE_REFUSALS = [
  'The caller does not have permission to execute the specified operation',
  'The request does not have valid authentication credentials',
];

/** The server's reason when `error` (or one of its causes) is a refusal of the credentials; undefined otherwise. */
export function accessDeniedReason(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    const { code, details } = current as { code?: unknown; details?: unknown };
    if (code === PERMISSION_DENIED || code === UNAUTHENTICATED)
      return typeof details === 'string' && details ? details : current.message;
    if (NATIVE_REFUSALS.some((text) => current instanceof Error && current.message.includes(text)))
      return /message: "([^"]*)"/.exec(current.message)?.[1] ?? current.message;
    current = current.cause;
  }
  return undefined;
}

/**
 * `error` as a {@link TemporalAccessDeniedError} naming the credential `settings` presented when it is a refusal of
 * the credentials; `error` itself otherwise.
 */
export function explainAccessDenied(error: unknown, settings: AccessSettings): unknown {
  if (error instanceof TemporalAccessDeniedError) return error;
  const reason = accessDeniedReason(error);
  if (reason === undefined) return error;
  const credential = settings.apiKey ? 'API key' : settings.tlsCert ? 'client certificate' : 'none';
  return new TemporalAccessDeniedError(settings.address, settings.namespace, credential, reason, {
    cause: error,
  });
}
