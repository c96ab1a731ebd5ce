import type { CheckResult } from './check-result.js';
import type { LoopConfig } from './loop.js';
import type { PlanDescriptor, PlanPurpose } from './plan-descriptor.js';
import type { ResourceRef } from './resource-ref.js';
import type { EngineStatus } from './status.js';

/**
 * The engine's activities as the workflow sees them (types only; the worker implements them in
 * `src/activities`). Every payload is small: references and step data, never whole objects.
 */
export interface EngineActivities {
  /** Reads the resource, validates its spec and chooses this run's plan. */
  prepareRun(input: PrepareRunInput): Promise<PreparedRun>;
  /**
   * Reads the resource, chooses the plan and runs its checks in order until one does not pass: a run's reads in
   * one local activity (the step data stays on the worker). See {@link Evaluation}.
   */
  evaluateRun(input: EvaluateRunInput): Promise<EvaluatedRun>;
  /**
   * The same reads after the run's apply, to tell whether the resource has converged or progressed
   * ({@link evaluateRun}); then writes what the run records in that case too (sparing the run its own record).
   */
  confirmRun(input: ConfirmRunInput): Promise<ConfirmedRun>;
  /** Runs one step's read-only check. */
  checkStep(call: StepCall): Promise<StepCheck>;
  /** Runs one step's apply: the run's one modification; then, when the call asks, the run's confirming reads. */
  applyStep(call: ApplyCall): Promise<AppliedFix>;
  /** Writes status and emits a Kubernetes Event. Best-effort: the workflow ignores its failure. */
  recordRun(input: RecordRunInput): Promise<void>;
}

/**
 * The read-only look the loop takes between runs, when a change arrives while it is paused or backing off from a
 * fight (a local activity; it never counts as a run).
 */
export interface LookActivities {
  /** Whether the object is gone (as `prepareRun` would say) or which version of it is there. */
  lookAtObject(input: PrepareRunInput): Promise<ObjectLook>;
}

/** What {@link LookActivities.lookAtObject} found. */
export type ObjectLook =
  | { readonly kind: 'gone' }
  | { readonly kind: 'present'; readonly uid: string; readonly generation: number };

/**
 * Activity types of step checks. A check runs as the local activity `check <step>` (the Temporal UI's timeline
 * labels a local activity by its type only), served by the worker's `default` activity; histories recorded before
 * that change call it `checkStep`.
 */
export const CHECK_ACTIVITY = {
  /** The type checks had before they were named by step; still replayed. */
  legacy: 'checkStep',
  /** Step-named checks: `check <step>`. */
  prefix: 'check ',
} as const;

/** The activity type of `step`'s check: `check configmap`. */
export function checkActivityType(step: string): string {
  return `${CHECK_ACTIVITY.prefix}${step}`;
}

/** True for the activity type of a step check, step-named or legacy. */
export function isCheckActivityType(type: string): boolean {
  return type === CHECK_ACTIVITY.legacy || type.startsWith(CHECK_ACTIVITY.prefix);
}

/**
 * Activity types of step applies. An apply runs as the local activity `apply <step>` (served, like checks, by the
 * worker's `default` activity) unless its step is `longRunning`; then, and in histories recorded before applies
 * were local, it is the regular activity `applyStep`.
 */
export const APPLY_ACTIVITY = {
  /** The regular activity type: long-running applies, and every apply of older histories. */
  regular: 'applyStep',
  /** Local applies: `apply <step>`. */
  prefix: 'apply ',
} as const;

/** The activity type of `step`'s local apply: `apply configmap`. */
export function applyActivityType(step: string): string {
  return `${APPLY_ACTIVITY.prefix}${step}`;
}

/** Input of {@link EngineActivities.prepareRun}. */
export interface PrepareRunInput {
  readonly ref: ResourceRef;
  readonly runNumber: number;
}

/** Input of {@link EngineActivities.evaluateRun} and {@link EngineActivities.confirmRun}. */
export interface EvaluateRunInput extends PrepareRunInput {
  /** ISO time of the run's start (the steps' `runStartedAt`). */
  readonly runStartedAt: string;
}

/** Input of {@link EngineActivities.confirmRun}. */
export interface ConfirmRunInput extends EvaluateRunInput {
  /** The object the run worked on, and the step it applied (see `confirmationOf`). */
  readonly uid: string;
  readonly step: string;
  /** What the run records when its apply converged the resource; written by the confirming activity itself. */
  readonly recordIfConverged?: RecordRunInput;
  /** What the run records when its apply let the next step's turn come (`progressed`); written the same way. */
  readonly recordIfProgressed?: RecordRunInput;
}

/** What the confirming reads found, and whether they recorded the run (status and event written). */
export type ConfirmedRun = EvaluatedRun & { readonly recorded?: boolean };

/** A run's reads: what {@link PreparedRun} says, and for a plan ready to run, how its checks went. */
export type EvaluatedRun =
  | Exclude<PreparedRun, { readonly kind: 'ready' }>
  | (Extract<PreparedRun, { readonly kind: 'ready' }> & { readonly evaluation: Evaluation });

/**
 * How a plan's checks went in one activity, first to last: every check passed (neither `stop` nor `unsettled`),
 * or the walk stopped at the first entry that did not pass.
 */
export interface Evaluation {
  /** Entries whose checks passed, in plan order: a step's name, or a parallel group's. */
  readonly passed: readonly string[];
  /** The first step whose check did not pass (`needs-fix` or `wait`), the data it was given, and its entry. */
  readonly stop?: {
    readonly entry: number;
    readonly step: string;
    readonly check: StepCheck;
    readonly input: unknown;
  };
  /**
   * A check of this entry threw or ran out of time: the workflow goes on from this entry with one local activity
   * per check, each with its step's own timeout and retries (so failures read as they always did).
   */
  readonly unsettled?: { readonly entry: number; readonly input: unknown; readonly reason: string };
}

/** What a run starts from. */
export type PreparedRun =
  /** The object does not exist (any more). */
  | { readonly kind: 'gone' }
  | (ObjectVersion & {
      readonly kind: 'invalid';
      readonly message: string;
      readonly status: Partial<EngineStatus>;
      readonly settings?: WorkerSettings;
    })
  | (ObjectVersion & {
      readonly kind: 'ready';
      readonly plan: PlanDescriptor;
      /** The engine-owned status currently on the object. */
      readonly status: Partial<EngineStatus>;
      readonly settings?: WorkerSettings;
    });

/**
 * The operator's settings as the worker that prepared the run has them, so that new settings reach running loops
 * (absent in histories from before; the workflow input's config is then the fallback).
 */
export interface WorkerSettings {
  readonly loop: LoopConfig;
  /** The kind's API version the worker reads and writes (`v2`), which the loop then uses in its references. */
  readonly version: string;
}

/** Which version of the object a run works on. */
export interface ObjectVersion {
  readonly uid: string;
  readonly generation: number;
  readonly resourceVersion: string;
}

/** Identifies one step call within one run. */
export interface StepCall {
  readonly ref: ResourceRef;
  readonly object: ObjectVersion;
  readonly purpose: PlanPurpose;
  readonly step: string;
  readonly input: unknown;
  readonly runNumber: number;
  /** ISO time of the run's start: the run's one clock. */
  readonly runStartedAt: string;
}

/** The input of a step's apply: the call, the fix its check asked for, and whether to confirm it. */
export interface ApplyCall extends StepCall {
  readonly fix: unknown;
  /**
   * Present when the apply makes the run's confirming reads itself once its fix is in (as {@link
   * EngineActivities.confirmRun} does after an apply): one local activity instead of two.
   */
  readonly confirm?: ApplyConfirmation;
}

/**
 * What an apply that confirms writes when its confirming reads find the run converged (`ifConverged`) or progressed
 * (`ifProgressed`): the record, from this basis and the apply's own words. Absent: the loop records the run.
 */
export interface ApplyConfirmation {
  /** What the step's check said it needed: the run's reason when the apply says nothing of its own. */
  readonly checkReason: string;
  readonly ifConverged?: RecordBasis;
  readonly ifProgressed?: RecordBasis;
}

/**
 * A check's verdict, or `stale`: the object changed since the run started so much that the step is no longer in
 * its plan; the run stops and a new one starts from the fresh state.
 */
export type StepCheck = CheckResult<unknown, unknown> | { readonly kind: 'stale'; readonly reason: string };

/** What an apply reports. */
export interface AppliedFix {
  readonly message?: string;
  readonly status?: Readonly<Record<string, unknown>>;
  /**
   * The apply did not run: the object changed so much since the check (deleted, replaced, its spec invalid, the
   * step no longer in its plan) that retrying cannot help. The run stops as stale and the next one starts from the
   * fresh state, as for a stale check.
   */
  readonly stale?: string;
  /**
   * The confirming reads after the fix, when the call asked for them ({@link ApplyCall.confirm}) and they were made;
   * absent when they failed or ran out of time (the run then ends `modified`, as an unconfirmed apply does).
   */
  readonly confirmed?: ConfirmedRun;
}

/**
 * What the record of a run with an apply depends on besides the apply's own words (its message and operator
 * status): decided by the loop before the apply, so that the activity that applies and confirms can write the
 * record itself (see `confirmedRecord`).
 */
export interface RecordBasis {
  readonly ref: ResourceRef;
  readonly uid: string;
  readonly generation: number;
  /** The engine status on the object when the run read it. */
  readonly previousStatus: Partial<EngineStatus>;
  /** ISO time of the run's start. */
  readonly startedAt: string;
  /** The run followed the cleanup plan, as the phase shows it. */
  readonly deleting: boolean;
}

/** A Kubernetes Event to emit. */
export interface EventNote {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** Input of {@link EngineActivities.recordRun}. */
export interface RecordRunInput {
  readonly ref: ResourceRef;
  readonly uid: string;
  /** The engine's status, or absent to leave it as it is. */
  readonly status?: EngineStatus;
  /** Operator-owned status fields returned by the apply. */
  readonly operatorStatus?: Readonly<Record<string, unknown>>;
  readonly event?: EventNote;
}

/** Error type names the activities use for non-retryable failures. */
export const PERMANENT_ERROR_TYPES = {
  /** A step threw `PermanentError`. */
  permanent: 'PermanentError',
  /** The Kubernetes API answered with a status that will not heal (400, 401, 403, 405, 422). */
  kubernetes: 'KubernetesRejected',
  /** A step's data is too large to pass through workflow history. */
  dataTooLarge: 'StepDataTooLarge',
} as const;
