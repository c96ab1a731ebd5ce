import { z } from 'zod';

/** A namespace name (an RFC 1123 label). */
export const NamespaceNameSchema = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'not a namespace name');

/** Settings of the watcher; see {@link WatcherConfigSchema} for defaults. */
export type WatcherConfig = z.output<typeof WatcherConfigSchema>;

/** The watcher's settings, validated at start-up. */
export const WatcherConfigSchema = z.object({
  /** Namespaces to watch; empty: all. */
  namespaces: z.array(NamespaceNameSchema).default([]),
  /**
   * Only resources of the operator's kind matching this label selector. Owned and related kinds are not filtered
   * by it (children need not carry their owner's labels); their changes signal only resources it selects.
   */
  labelSelector: z.string().min(1).optional(),
  reactToLabels: z.boolean().default(true),
  reactToAnnotations: z.boolean().default(false),
  /** A resource's first change is signalled at once; changes within this window after a signal become one more. */
  debounceMs: z.number().int().min(0).max(60_000).default(200),
  /** Signals in flight at once: more starts a burst of new resources faster, and loads Temporal more. */
  maxInFlight: z.number().int().min(1).max(1_000).default(64),
  /** Signals started per second at most (a new leader signals every resource: this spreads them out). */
  maxSignalsPerSecond: z.number().positive().default(500),
  retryInitialMs: z.number().int().positive().default(500),
  retryMaxMs: z.number().int().positive().default(30_000),
  relistIntervalMs: z
    .number()
    .int()
    .min(1_000)
    .default(10 * 60_000),
  silentWatchTimeoutMs: z
    .number()
    .int()
    .min(1_000)
    .default(5 * 60_000),
  shutdownFlushMs: z.number().int().min(0).default(10_000),
  leaderElection: z
    .object({
      enabled: z.boolean().default(true),
      namespace: z.string().min(1).default('default'),
      /** Default: `staircase-<operator>-watcher`. */
      leaseName: z.string().min(1).optional(),
      /** Default: host name plus a random suffix. */
      identity: z.string().min(1).optional(),
      leaseDurationMs: z.number().int().min(1_000).default(15_000),
      retryPeriodMs: z.number().int().min(100).default(2_000),
    })
    .prefault({}),
  health: z
    .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65_535).default(8080) })
    .prefault({}),
});

/**
 * Validates watcher settings.
 *
 * @throws {Error} listing every invalid setting by name, e.g. `debounceMs: Too big: expected number to be <=60000`.
 */
export function parseWatcherConfig(input: unknown): WatcherConfig {
  const result = WatcherConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '<config>'}: ${issue.message}`,
  );
  throw new Error(`invalid watcher configuration:\n  ${problems.join('\n  ')}`);
}
