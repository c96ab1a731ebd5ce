import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { startCodecServer } from '../../codec/codec-server.js';
import { createPayloadCodec } from '../../codec/data-converter.js';
import { loadCodecKeys } from '../../codec/keys.js';
import { UsageError } from '../errors.js';
import { flagOrEnv, parseFlags, validated } from '../parse.js';

const HELP = `staircase codec-server --codec-key-file FILE [--port PORT] [--host HOST] [--ui-origin URL]...
                       [--auth-token-file FILE]

Serves Temporal's remote codec protocol (POST /encode, POST /decode) with the operator's codec keys, so the Temporal
UI (its codec endpoint setting, or the server's --ui-codec-endpoint) and \`temporal\` CLI (--codec-endpoint) show
decrypted payloads. Give it to the people allowed to read them: behind your SSO proxy, or with a token.
  --codec-key-file FILE   (STAIRCASE_CODEC_KEY_FILE, or the JSON itself in STAIRCASE_CODEC_KEYS) the workers' keys
  --port PORT             (STAIRCASE_CODEC_PORT) default 8888
  --host HOST             (STAIRCASE_CODEC_HOST) default 127.0.0.1; 0.0.0.0 in a container
  --ui-origin URL         (STAIRCASE_CODEC_UI_ORIGINS, comma-separated) the Temporal UI's origin, allowed by CORS;
                          repeat for several, * for any; default http://localhost:8233 and http://127.0.0.1:8233
  --auth-token-file FILE  (STAIRCASE_CODEC_AUTH_TOKEN holds the token itself) require Authorization: Bearer TOKEN`;

const FLAGS = {
  'codec-key-file': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'ui-origin': { type: 'string', multiple: true },
  'auth-token-file': { type: 'string' },
} as const;

const OriginSchema = z.union([
  z.literal('*'),
  z.url({ protocol: /^https?$/, error: 'not an http(s) origin' }).transform((url) => new URL(url).origin),
]);

/** Settings of `staircase codec-server`, after flags and environment. */
const CodecServerSettingsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8888),
  origins: z.array(OriginSchema).min(1).default(['http://localhost:8233', 'http://127.0.0.1:8233']),
  authorization: z.string().trim().min(1, 'the token is empty').optional(),
});

type Values = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

function settingsFrom(values: Values, env: NodeJS.ProcessEnv) {
  const originFlags = values['ui-origin'] as readonly string[] | undefined;
  const originEnv = env.STAIRCASE_CODEC_UI_ORIGINS?.split(',').filter(Boolean);
  const tokenFile = values['auth-token-file'] as string | undefined;
  const raw = {
    host: flagOrEnv(values, 'host', env, 'STAIRCASE_CODEC_HOST'),
    port: flagOrEnv(values, 'port', env, 'STAIRCASE_CODEC_PORT'),
    origins: originFlags ?? originEnv,
    authorization: tokenFile ? readToken(tokenFile) : env.STAIRCASE_CODEC_AUTH_TOKEN,
  };
  return validated('codec server settings', () =>
    CodecServerSettingsSchema.parse(
      Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
    ),
  );
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--auth-token-file ${file}: ${(error as Error).message}`);
  }
}

/** `staircase codec-server`: decrypts payloads for the Temporal UI and CLI. */
export const codecServerCommand = {
  summary: 'serve the payload codec over HTTP so the Temporal UI shows encrypted payloads decrypted',
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags(argv, FLAGS, HELP);
    if (!parsed) return 0;
    const { values } = parsed;
    const env = process.env;
    const settings = settingsFrom(values, env);
    const keys = loadCodecKeys({ file: values['codec-key-file'], env });
    if (!keys)
      throw new UsageError(
        'give the codec keys: --codec-key-file FILE, STAIRCASE_CODEC_KEY_FILE or STAIRCASE_CODEC_KEYS',
      );
    const server = await startCodecServer({
      codec: createPayloadCodec(keys),
      host: settings.host,
      port: settings.port,
      allowedOrigins: settings.origins,
      ...(settings.authorization ? { authorization: settings.authorization } : {}),
    });
    process.stdout.write(
      `codec server on ${server.url} (encrypting with key ${keys.current}; ` +
        `CORS for ${settings.origins.join(', ')}${settings.authorization ? '; token required' : ''})\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await server.close();
    return 0;
  },
};
