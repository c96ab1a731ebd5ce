import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-codec.js';
import type { CodecKeys } from './keys.js';

/** Path of {@link ./failure-converter.ts}, as TypeScript source in development or compiled JavaScript. */
export function encryptingFailureConverterPath(): string {
  const compiled = fileURLToPath(new URL('./failure-converter.js', import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL('./failure-converter.ts', import.meta.url));
}

/** The payload codec of a key set: AES-256-GCM under the current key, any key of the set to decode. */
export function createPayloadCodec(keys: CodecKeys): PayloadCodec {
  return new AesGcmPayloadCodec(keys);
}

/**
 * The data converter of a client, worker or replayer that encrypts with `codec`: the codec on every payload, and
 * failure messages and stack traces moved into an encoded payload so they are encrypted as well. Undefined without
 * a codec (Temporal's defaults).
 *
 * Caveats: every process that reads or writes the histories (worker, watcher, CLI, testing kit, replay) needs the
 * same key set; a worker without it fails its workflow tasks on an encrypted history.
 */
export function dataConverterFor(codec: PayloadCodec | undefined): DataConverter | undefined {
  return codec
    ? { payloadCodecs: [codec], failureConverterPath: encryptingFailureConverterPath() }
    : undefined;
}
