import type { CheckResult } from '../core/check-result.js';
import type { RetrySpec } from '../core/plan-descriptor.js';
import type { ResourceRef } from '../core/resource-ref.js';
import type { KubeClient } from './kube-client.js';
import type { ResourceKind, ResourceOf, StatusOf } from './resource-kind.js';

/** A structured logger (the Temporal activity logger on a worker). */
export interface StepLogger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** What a step's `check` and `apply` get besides their input. */
export interface StepContext<K extends ResourceKind> {
  /** The resource as read at the start of this run, with a validated spec. */
  readonly resource: ResourceOf<K>;
  readonly ref: ResourceRef;
  /**
   * A typed Kubernetes client with the worker's identity: `get` (absent is `undefined`), `list`, server-side
   * `apply` (owner reference to the resource set for you), `delete`, `patchStatus`; `kube.config` is the raw
   * `KubeConfig` for anything else.
   */
  readonly kube: KubeClient<StatusOf<K>>;
  readonly log: StepLogger;
  /** The run's one clock: every step of a run sees the same time. */
  readonly runStartedAt: Date;
  readonly runNumber: number;
  /** 1 for the first attempt of this activity, 2 for its first retry, … */
  readonly attempt: number;
  /**
   * Fires when this attempt is given up: its timeout passed, Temporal cancelled it, or the worker shuts down.
   * Another attempt or a later run may then already be writing, so a step whose signal fired must stop and write
   * nothing more. `kube` honours it (a request not yet sent throws `KubeAbortedError`); pass it to your own
   * calls (`fetch(url, { signal })`) and check `signal.aborted` (or call `signal.throwIfAborted()`) between writes.
   *
   * Caveats: a request already sent when the signal fires may still land; a step that ignores the signal keeps
   * running, and its late writes can overwrite newer ones.
   */
  readonly signal: AbortSignal;
}

/** What a step's `apply` gets: the step context, the check's input and the fix its check asked for. */
export interface ApplyArgs<K extends ResourceKind, In, Fix> extends StepContext<K> {
  /** The data the previous step passed on (the same the check got). */
  readonly input: In;
  /** The fix this step's check returned with `needsFix(reason, fix)`. */
  readonly fix: Fix;
}

/** What an `apply` may return. */
export interface ApplyResult<K extends ResourceKind> {
  /** What was done, for the Kubernetes Event and the run's history: "created ConfigMap web-content". */
  readonly message?: string;
  /** Operator-owned status fields to merge in after the run. Best-effort: nothing may depend on it being written. */
  readonly status?: Partial<StatusOf<K>>;
}

/** Timeout and retry overrides of a step's check or apply. */
export interface StepPolicy {
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetrySpec>;
  /**
   * Applies only. By default an apply runs as a local activity in the run's workflow task: one history event, no
   * task of its own, and after a worker dies the next worker evaluates the run afresh. An apply that may run for
   * minutes (a slow cloud call) should say `longRunning: true`: it then runs as a regular activity the worker
   * heartbeats for, retried on another worker within 10 s of a crash, and it costs five more history events.
   */
  readonly longRunning?: boolean;
}

/**
 * One step of a plan: it checks one fact and, when the fact does not hold, may apply one fix.
 *
 * Guarantees: the engine runs at most one `apply` per run, and only right after this step's own `check` said
 * `needsFix` in the same run. A step without `apply` can never modify.
 * Caveats: `check` must be read-only. `apply` must be idempotent: Temporal may run it again after a crash or a
 * timeout, even when the first attempt succeeded. Data passed between steps is recorded in the workflow history:
 * keep it small (names and references, never whole objects).
 * Errors: throw {@link PermanentError} when retrying cannot help; anything else is retried with `retry`.
 */
export interface Step<K extends ResourceKind, In, Out, Fix = unknown> {
  /** Stable name: it labels activities and conditions, and changing it changes the workflow's history. */
  readonly name: string;
  check(context: StepContext<K>, input: In): Promise<CheckResult<Out, Fix>> | CheckResult<Out, Fix>;
  /** Makes the fix; gets one object, its `fix` typed by what `check` returned. */
  readonly apply?:
    | ((args: ApplyArgs<K, In, Fix>) => Promise<ApplyResult<K> | undefined> | ApplyResult<K> | undefined)
    | undefined;
  readonly checkPolicy?: StepPolicy;
  readonly applyPolicy?: StepPolicy;
}

/** A step that can only check (allowed in parallel groups). */
export type CheckOnlyStep<K extends ResourceKind, In, Out> = Omit<
  Step<K, In, Out, unknown>,
  'apply' | 'applyPolicy'
> & {
  readonly apply?: undefined;
};

/** A step of any input and output, as stored in a plan. */
// biome-ignore lint/suspicious/noExplicitAny: plans hold steps of heterogeneous types; the builder checks them.
export type AnyStep<K extends ResourceKind> = Step<K, any, any, any>;
