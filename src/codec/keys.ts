import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidCodecKeysError } from './errors.js';

/** Bytes of an AES-256 key. */
export const KEY_BYTES = 32;

const KeyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1 to 64 letters, digits, ".", "_" or "-"');

const KeySchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'not base64')
  .transform((text) => Buffer.from(text, 'base64'))
  .refine((key) => key.length === KEY_BYTES, {
    message: `not ${KEY_BYTES} bytes (an AES-256 key: \`openssl rand -base64 ${KEY_BYTES}\`)`,
  });

/**
 * The codec key set as written in a key file or `STAIRCASE_CODEC_KEYS`:
 * `{ "current": "k2", "keys": { "k1": "<base64 of 32 bytes>", "k2": "…" } }`. New payloads are encrypted with
 * `current`; every key in `keys` decrypts what it once encrypted.
 */
export const CodecKeysSchema = z
  .object({
    current: KeyIdSchema,
    keys: z.record(KeyIdSchema, KeySchema),
  })
  .strict()
  .refine((set) => set.current in set.keys, {
    message: 'names a key that is not under "keys"',
    path: ['current'],
  });

/** A validated key set: key bytes by id, and the id new payloads are encrypted with. */
export type CodecKeys = z.output<typeof CodecKeysSchema>;

/** Environment variable holding the key set as JSON. */
export const CODEC_KEYS_ENV = 'STAIRCASE_CODEC_KEYS';
/** Environment variable naming a key file (as `--codec-key-file` does). */
export const CODEC_KEY_FILE_ENV = 'STAIRCASE_CODEC_KEY_FILE';

/**
 * Parses and validates a key set's JSON text.
 *
 * @throws {InvalidCodecKeysError} naming `source` and each problem (never the key bytes).
 */
export function parseCodecKeys(text: string, source: string): CodecKeys {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidCodecKeysError(source, [`not JSON (${(error as Error).message})`], { cause: error });
  }
  const parsed = CodecKeysSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new InvalidCodecKeysError(
    source,
    parsed.error.issues.map((issue) => `${issue.path.join('.') || 'the key set'}: ${issue.message}`),
  );
}

/** Where to find the key set: a file (flag or {@link CODEC_KEY_FILE_ENV}) or the JSON in {@link CODEC_KEYS_ENV}. */
export interface CodecKeysSource {
  /** Path of a key file; wins over `env`. */
  readonly file?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The key set from a file or the environment; undefined when neither is given (payloads stay unencrypted).
 *
 * @throws {InvalidCodecKeysError} when the file cannot be read or the key set is malformed.
 */
export function loadCodecKeys(source: CodecKeysSource): CodecKeys | undefined {
  const file = source.file ?? source.env[CODEC_KEY_FILE_ENV];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new InvalidCodecKeysError(file, [(error as Error).message], { cause: error });
    }
    return parseCodecKeys(text, file);
  }
  const json = source.env[CODEC_KEYS_ENV];
  return json ? parseCodecKeys(json, CODEC_KEYS_ENV) : undefined;
}
