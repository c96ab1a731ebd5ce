import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { CodecKeyNotFoundError, PayloadDecryptionError } from './errors.js';
import type { CodecKeys } from './keys.js';

// A CommonJS module whose exports Node cannot name statically: import the default and destructure.
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/** `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload is encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Metadata naming the cipher. */
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (bytes: Uint8Array | null | undefined) =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

/**
 * A payload codec that encrypts each payload (metadata and data, serialized) with AES-256-GCM under the key set's
 * current key, and records the key id in the payload's metadata, so that rotating keys needs no migration.
 *
 * Guarantees: a fresh random 96-bit IV per payload; authenticated (a tampered payload fails to decode). Payloads
 * that are not encrypted (written before encryption was turned on) decode unchanged.
 * Caveats: search attributes are not payloads of the codec and stay readable (they name kind, namespace, name and
 * phase); so do workflow ids, activity types and timer labels.
 * Errors: decoding throws {@link CodecKeyNotFoundError} for a key id not in the set and
 * {@link PayloadDecryptionError} when the named key does not decrypt the payload.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  /** The key id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keys.current;
  }

  /** Encrypts every payload under the current key. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  /** Decrypts encrypted payloads with the key each names; passes others through. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keys.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.keys[keyId] as Buffer, iv);
    const plain = PayloadMessage.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(keyId),
        [CIPHER_METADATA]: Buffer.from(CIPHER),
      },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    const key = keyId === undefined ? undefined : this.keys.keys[keyId];
    if (keyId === undefined || !key) throw new CodecKeyNotFoundError(keyId, Object.keys(this.keys.keys));
    const sealed = Buffer.from(payload.data ?? []);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return PayloadMessage.decode(plain);
    } catch (error) {
      throw new PayloadDecryptionError(keyId, { cause: error });
    }
  }
}
