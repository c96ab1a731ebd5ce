import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/codec/aes-gcm-codec.js';
import {
  CodecKeyNotFoundError,
  InvalidCodecKeysError,
  PayloadDecryptionError,
} from '../../src/codec/errors.js';
import { type CodecKeys, loadCodecKeys, parseCodecKeys } from '../../src/codec/keys.js';

const key = () => randomBytes(32).toString('base64');
const keysOf = (current: string, keys: Record<string, string>): CodecKeys =>
  parseCodecKeys(JSON.stringify({ current, keys }), 'test');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString();

describe('the AES-GCM payload codec', () => {
  const a = key();
  const b = key();

  it('encrypts a payload so its value is not in the bytes, names the key, and decodes it back', async () => {
    const codec = new AesGcmPayloadCodec(keysOf('a', { a }));
    const payload = defaultPayloadConverter.toPayload({ token: 'hunter2' });
    const [encoded] = await codec.encode([payload]);
    expect(text(encoded?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded?.metadata?.[KEY_ID_METADATA])).toBe('a');
    expect(Buffer.from(encoded?.data ?? []).includes('hunter2')).toBe(false);
    expect(Buffer.from(encoded?.data ?? []).includes('json/plain')).toBe(false);
    const [decoded] = await codec.decode([encoded as never]);
    expect(defaultPayloadConverter.fromPayload(decoded as never)).toEqual({ token: 'hunter2' });
  });

  it('uses a fresh IV for every payload', async () => {
    const codec = new AesGcmPayloadCodec(keysOf('a', { a }));
    const payload = defaultPayloadConverter.toPayload('same');
    const [one, two] = await codec.encode([payload, payload]);
    expect(Buffer.from(one?.data ?? []).equals(Buffer.from(two?.data ?? []))).toBe(false);
  });

  it('decodes what an old key wrote once the current key is rotated, while new payloads use the new key', async () => {
    const [old] = await new AesGcmPayloadCodec(keysOf('a', { a })).encode([
      defaultPayloadConverter.toPayload(1),
    ]);
    const rotated = new AesGcmPayloadCodec(keysOf('b', { a, b }));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old as never]))[0] as never)).toBe(1);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(2)]);
    expect(text(fresh?.metadata?.[KEY_ID_METADATA])).toBe('b');
  });

  it('passes unencrypted payloads through, so histories from before encryption stay readable', async () => {
    const plain = defaultPayloadConverter.toPayload('from before');
    expect(await new AesGcmPayloadCodec(keysOf('a', { a })).decode([plain])).toEqual([plain]);
  });

  it('names a key id it does not have, and a key that does not decrypt', async () => {
    const [old] = await new AesGcmPayloadCodec(keysOf('a', { a })).encode([
      defaultPayloadConverter.toPayload(1),
    ]);
    const withoutA = new AesGcmPayloadCodec(keysOf('b', { b }));
    const missing = await withoutA.decode([old as never]).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(CodecKeyNotFoundError);
    expect(missing).toMatchObject({ keyId: 'a', knownKeyIds: ['b'] });
    expect((missing as Error).message).toContain('encrypted with key "a", which is not among');
    const otherBytes = new AesGcmPayloadCodec(keysOf('a', { a: b }));
    const wrong = await otherBytes.decode([old as never]).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(PayloadDecryptionError);
    expect(wrong).toMatchObject({ keyId: 'a' });
  });
});

describe('the codec key set', () => {
  it.each([
    ['not JSON', '{', /invalid codec keys in test: not JSON/],
    ['no current key', JSON.stringify({ keys: { a: key() } }), /current: /],
    [
      'a current key not in keys',
      JSON.stringify({ current: 'b', keys: { a: key() } }),
      /current: names a key/,
    ],
    ['a short key', JSON.stringify({ current: 'a', keys: { a: 'c2hvcnQ=' } }), /keys\.a: not 32 bytes/],
    ['a key that is not base64', JSON.stringify({ current: 'a', keys: { a: '%%%' } }), /keys\.a: not base64/],
    ['an unknown field', JSON.stringify({ current: 'a', keys: { a: key() }, extra: 1 }), /extra/],
  ])('refuses %s, naming the field', (_, json, message) => {
    const error = (() => {
      try {
        parseCodecKeys(json, 'test');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidCodecKeysError);
    expect((error as Error).message).toMatch(message);
  });

  it('reads the file first, then STAIRCASE_CODEC_KEYS; none means no encryption', () => {
    const json = JSON.stringify({ current: 'a', keys: { a: key() } });
    expect(loadCodecKeys({ env: { STAIRCASE_CODEC_KEYS: json } })?.current).toBe('a');
    expect(loadCodecKeys({ env: {} })).toBeUndefined();
    expect(() => loadCodecKeys({ file: '/nonexistent/keys.json', env: {} })).toThrow(
      /invalid codec keys in \/nonexistent\/keys\.json: ENOENT/,
    );
  });
});
