/**
 * The serializable shape of a plan, as the workflow sees it: step names, whether each can modify, and the
 * retry policy and timeout of its activities. The step functions themselves stay on the worker.
 */

/** Retry policy of one activity, in milliseconds (mirrors Temporal's RetryPolicy). */
export interface RetrySpec {
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
  /** Attempts in all, the first included. */
  readonly maximumAttempts: number;
}

/** Timeout and retries of one kind of step activity. */
export interface ActivityPolicy {
  readonly startToCloseTimeoutMs: number;
  readonly retry: RetrySpec;
  /**
   * Applies only: run as a regular, heartbeated activity (its own task; after a worker dies, retried elsewhere once
   * its heartbeats stop) instead of a local activity. Absent: local.
   */
  readonly longRunning?: true;
}

/** One step as the workflow sees it. */
export interface StepDescriptor {
  readonly name: string;
  /** False for steps without `apply`: they can never modify. */
  readonly canApply: boolean;
  readonly check: ActivityPolicy;
  readonly apply: ActivityPolicy;
}

/** A plan entry: a single step, or a group of read-only checks run side by side and joined. */
export type PlanEntry =
  | { readonly kind: 'step'; readonly step: StepDescriptor }
  | {
      readonly kind: 'parallel';
      readonly name: string;
      /** Each check with the key its output gets in the joined data. */
      readonly steps: readonly { readonly key: string; readonly step: StepDescriptor }[];
    };

/** Which plan a run follows. */
export type PlanPurpose = 'reconcile' | 'cleanup';

/** The plan of one run. */
export interface PlanDescriptor {
  readonly purpose: PlanPurpose;
  readonly entries: readonly PlanEntry[];
}

/** Default policies: checks are quick reads; applies get longer and more attempts. */
export const DEFAULT_POLICIES: { readonly check: ActivityPolicy; readonly apply: ActivityPolicy } = {
  check: {
    startToCloseTimeoutMs: 30_000,
    retry: { initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 10_000, maximumAttempts: 5 },
  },
  apply: {
    startToCloseTimeoutMs: 120_000,
    retry: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 30_000, maximumAttempts: 8 },
  },
};
