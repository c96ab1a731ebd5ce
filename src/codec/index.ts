/**
 * Encrypted histories: an AES-256-GCM payload codec with key rotation by key id, the key set's format and loader,
 * and a codec server for the Temporal UI. Never imported by workflow code.
 *
 * @packageDocumentation
 */
export { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './aes-gcm-codec.js';
export { type CodecServer, type CodecServerOptions, startCodecServer } from './codec-server.js';
export { createPayloadCodec, dataConverterFor } from './data-converter.js';
export { CodecKeyNotFoundError, InvalidCodecKeysError, PayloadDecryptionError } from './errors.js';
export {
  CODEC_KEY_FILE_ENV,
  CODEC_KEYS_ENV,
  type CodecKeys,
  CodecKeysSchema,
  loadCodecKeys,
  parseCodecKeys,
} from './keys.js';
