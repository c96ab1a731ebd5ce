import { type ParseArgsConfig, parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from './errors.js';

/** Flags every command that talks to Temporal accepts. */
export const TEMPORAL_FLAGS = {
  'temporal-address': { type: 'string' },
  'temporal-namespace': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-server-name': { type: 'string' },
  'api-key': { type: 'string' },
  'codec-key-file': { type: 'string' },
} as const;

/** Help lines for {@link TEMPORAL_FLAGS}. */
export const TEMPORAL_HELP = `Temporal (flags override environment variables):
  --temporal-address HOST:PORT   (TEMPORAL_ADDRESS, default localhost:7233)
  --temporal-namespace NAME      (TEMPORAL_NAMESPACE, default default)
  --tls-cert FILE --tls-key FILE (TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH) mTLS client certificate
  --tls-ca FILE                  (TEMPORAL_TLS_SERVER_CA_CERT_PATH) --tls-server-name NAME
  --api-key KEY                  (TEMPORAL_API_KEY) API key, sent as a bearer token over TLS
  --codec-key-file FILE          (STAIRCASE_CODEC_KEY_FILE, or the JSON itself in STAIRCASE_CODEC_KEYS) encrypt
                                 payloads: {"current":"k2","keys":{"k1":"<base64 32 bytes>","k2":"…"}}`;

/**
 * Parses a command's flags; `--help` prints `help` and returns undefined.
 *
 * @throws {UsageError} on an unknown flag or a missing value.
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  help: string,
  allowPositionals = false,
) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(`${help}\n`);
      return undefined;
    }
    return parsed;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Runs a zod parse and turns its issues into one {@link UsageError} naming each setting.
 */
export function validated<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw new UsageError(
        `invalid ${what}: ${error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ')}`,
      );
    }
    throw error;
  }
}

/** Splits `NAMESPACE/NAME` (or `NAME` for cluster-scoped kinds). */
export function parseTarget(text: string | undefined): { namespace?: string; name: string } {
  if (!text) throw new UsageError('give the resource as NAMESPACE/NAME, or NAME for a cluster-scoped kind');
  const [first, second, extra] = text.split('/');
  if (extra !== undefined || !first || second === '')
    throw new UsageError(`"${text}" is not NAMESPACE/NAME (or NAME for a cluster-scoped kind)`);
  return second ? { namespace: first, name: second } : { name: first };
}

/** A string flag's value, else the environment variable's (flags override the environment). */
export function flagOrEnv(
  values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>,
  flag: string,
  env: NodeJS.ProcessEnv,
  variable?: string,
): string | undefined {
  const value = values[flag];
  return typeof value === 'string' ? value : variable === undefined ? undefined : env[variable];
}
