import type { PlanPurpose } from './plan-descriptor.js';

/**
 * What a run did. A run ends in exactly one of five outcomes; see DESIGN §3.3.
 */
export type RunOutcome =
  | {
      readonly kind: 'converged';
      /**
       * The step this run applied before its reads found every step passing (engines that confirm an apply in
       * the same run); absent when the run changed nothing.
       */
      readonly applied?: AppliedStep;
    }
  | {
      readonly kind: 'modified';
      readonly step: string;
      readonly reason: string;
      /**
       * The run's reads after its apply found its step passing and a later step to fix: progress, so the next run
       * starts at once rather than after the minimum delay (engines that confirm an apply in the same run).
       */
      readonly progressed?: true;
    }
  | { readonly kind: 'waiting'; readonly step: string; readonly reason: string; readonly delayMs?: number }
  | {
      readonly kind: 'failed';
      readonly step?: string;
      readonly reason: string;
      /** Permanent: will not heal without a change (invalid spec, a 4xx). Otherwise retries ran out. */
      readonly permanent: boolean;
      /** `InvalidSpec`, `PermanentError`, `RetriesExhausted`, or an error class name. */
      readonly errorType: string;
    }
  | { readonly kind: 'deleted' };

/** A step a run applied, and what the apply reported. */
export interface AppliedStep {
  readonly step: string;
  readonly reason: string;
}

/** The step a run applied: that of a `modified` run, or of a `converged` one whose apply converged the resource. */
export function appliedStepOf(outcome: RunOutcome): AppliedStep | undefined {
  if (outcome.kind === 'modified') return { step: outcome.step, reason: outcome.reason };
  return outcome.kind === 'converged' ? outcome.applied : undefined;
}

/** The kind of a run's outcome. */
export type OutcomeKind = RunOutcome['kind'];

/** What happened at one step in a run. */
export interface StepRecord {
  readonly step: string;
  /** `fixed`: the check found a difference and the step's apply ran. */
  readonly result: 'passed' | 'fixed' | 'waiting' | 'failed';
  readonly reason?: string;
}

/** One run, as recorded in the workflow's state and shown by its query. */
export interface RunReport {
  readonly runNumber: number;
  readonly generation: number;
  readonly outcome: RunOutcome;
  readonly steps: readonly StepRecord[];
  /** ISO timestamp of the run's start (the run's one clock). */
  readonly startedAt: string;
  /**
   * `cleanup` when the run followed the cleanup plan (the object is being deleted). Absent for the reconcile plan,
   * so reports of reconcile runs are what they were before this field existed.
   */
  readonly purpose?: PlanPurpose;
}

/** The step a run stopped at, if any. */
export function stepOf(outcome: RunOutcome): string | undefined {
  return 'step' in outcome ? outcome.step : undefined;
}
