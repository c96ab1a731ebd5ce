import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PayloadsJsonSchema, payloadsFromJson, payloadsToJson } from '../../src/codec/codec-protocol.js';
import { createPayloadCodec } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { newKey, staircase, writeKeyFile } from './support.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const UI = 'http://127.0.0.1:8233';

/** Starts `staircase codec-server ARGS` on a free port; resolves with its URL once it listens. */
async function codecServer(args: readonly string[]): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'codec-server', '--port', '0', ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  onTestFinished(async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const url = /^codec server on (\S+)/.exec(line)?.[1];
    if (url) return url;
  }
  throw new Error('staircase codec-server exited before listening');
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });

const asJson = (values: unknown[]) => payloadsToJson(values.map((v) => defaultPayloadConverter.toPayload(v)));
const valuesOf = async (response: Response) =>
  payloadsFromJson(PayloadsJsonSchema.parse(await response.json())).map((p) =>
    defaultPayloadConverter.fromPayload(p),
  );

describe('staircase codec-server', () => {
  it('encodes and decodes payloads over HTTP as the workers do, answering CORS for the UI origin only', async () => {
    const keys = { k1: newKey(), k2: newKey() };
    const url = await codecServer(['--codec-key-file', await writeKeyFile('k2', keys), '--ui-origin', UI]);
    // What a worker with key k1 wrote decodes.
    const worker = createPayloadCodec(parseCodecKeys(JSON.stringify({ current: 'k1', keys }), 'test'));
    const written = await worker.encode([defaultPayloadConverter.toPayload({ token: 'hunter2' })]);
    const decoded = await post(`${url}/decode`, payloadsToJson(written), { origin: UI });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI);
    expect(await valuesOf(decoded)).toEqual([{ token: 'hunter2' }]);
    // Encoding round-trips, with the current key.
    const encoded = await post(`${url}/encode`, asJson(['a', 2]));
    const body = PayloadsJsonSchema.parse(await encoded.clone().json());
    expect(Buffer.from(body.payloads[0]?.metadata?.['encryption-key-id'] ?? '', 'base64').toString()).toBe(
      'k2',
    );
    expect(await valuesOf(await post(`${url}/decode`, await encoded.json()))).toEqual(['a', 2]);

    const preflight = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const foreign = await post(`${url}/decode`, payloadsToJson(written), { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(`${url}/decode`, 'not payloads')).status).toBe(400);
    expect((await fetch(`${url}/other`, { method: 'POST' })).status).toBe(404);
  });

  it('requires the bearer token when given one, and names a key it does not have', async () => {
    const tokenFile = join(await mkdtemp(join(tmpdir(), 'codec-token-')), 'token');
    await writeFile(tokenFile, 's3cret\n');
    const url = await codecServer([
      '--codec-key-file',
      await writeKeyFile('k1', { k1: newKey() }),
      '--auth-token-file',
      tokenFile,
    ]);
    const plain = asJson(['x']);
    expect((await post(`${url}/encode`, plain)).status).toBe(401);
    expect((await post(`${url}/encode`, plain, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(`${url}/encode`, plain, { authorization: 'Bearer s3cret' })).status).toBe(200);

    const other = createPayloadCodec(
      parseCodecKeys(JSON.stringify({ current: 'old', keys: { old: newKey() } }), 't'),
    );
    const foreign = await post(
      `${url}/decode`,
      payloadsToJson(await other.encode([defaultPayloadConverter.toPayload(1)])),
      {
        authorization: 'Bearer s3cret',
      },
    );
    expect(foreign.status).toBe(422);
    expect(await foreign.text()).toContain('encrypted with key "old"');
  });

  it('refuses to start without keys, or with malformed keys, naming the problem', async () => {
    const none = await staircase(['codec-server'], {
      STAIRCASE_CODEC_KEYS: '',
      STAIRCASE_CODEC_KEY_FILE: '',
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give the codec keys: --codec-key-file FILE');
    const short = await staircase(['codec-server'], {
      STAIRCASE_CODEC_KEYS: JSON.stringify({ current: 'k1', keys: { k1: 'c2hvcnQ=' } }),
    });
    expect(short.code).toBe(1);
    expect(short.stderr).toBe(
      'staircase: invalid codec keys in STAIRCASE_CODEC_KEYS: keys.k1: not 32 bytes (an AES-256 key: `openssl rand -base64 32`)\n',
    );
  });
});
