/**
 * The failure converter of processes that encrypt payloads: it moves each failure's message and stack trace into
 * `encodedAttributes`, a payload, so the codec encrypts them too (a step's error body is as sensitive as its data).
 * Loaded by path (`DataConverter.failureConverterPath`), as Temporal workers require.
 *
 * @packageDocumentation
 */
import { DefaultFailureConverter } from '@temporalio/common';

/** Failure messages and stack traces travel as an (encrypted) payload; history shows "Encoded failure". */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
