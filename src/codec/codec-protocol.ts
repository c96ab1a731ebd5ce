import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/**
 * The body of a codec server's `/encode` and `/decode` requests and answers: Temporal's `Payloads` message in its
 * JSON form, bytes as base64: `{ "payloads": [{ "metadata": { "encoding": "…" }, "data": "…" }] }`.
 */
export const PayloadsJsonSchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), z.string()).nullish(),
        data: z.string().nullish(),
      }),
    )
    .default([]),
});

/** {@link PayloadsJsonSchema}'s type. */
export type PayloadsJson = z.input<typeof PayloadsJsonSchema>;

/** Payloads from their JSON form. */
export function payloadsFromJson(json: z.output<typeof PayloadsJsonSchema>): Payload[] {
  return json.payloads.map((payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  }));
}

/** Payloads in their JSON form. */
export function payloadsToJson(payloads: readonly Payload[]): PayloadsJson {
  const base64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, base64(value)]),
      ),
      data: base64(payload.data),
    })),
  };
}
