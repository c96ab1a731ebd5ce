import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  APPLY_ACTIVITY,
  type AppliedFix,
  type ApplyCall,
  CHECK_ACTIVITY,
  type ConfirmedRun,
  type ConfirmRunInput,
  type EngineActivities,
  type EvaluatedRun,
  type EvaluateRunInput,
  type LookActivities,
  PERMANENT_ERROR_TYPES,
  type PreparedRun,
  type PrepareRunInput,
  type RecordRunInput,
  type StepCall,
  type StepCheck,
} from '../core/activity-contract.js';
import { confirmationOf } from '../core/confirmation.js';
import { type ConfirmedKind, confirmedRecord } from '../core/record.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { type EngineStatus, statusFor } from '../core/status.js';
import { fieldManagerOf, type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import type { ResourceKind, ResourceOf } from '../operator/resource-kind.js';
import type { AnyStep, StepContext } from '../operator/step.js';
import type { KubeEndpoint } from '../runtime/kube-http.js';
import { type DeadlineSignal, deadlineSignal } from './deadline-signal.js';
import { classifyPlanError, classifyStepError, isNotFound } from './errors.js';
import { evaluatePlan } from './evaluate.js';
import { createKubeClient } from './kube-client.js';
import { KubeDiscovery } from './kube-discovery.js';
import { applyEngineStatus, emitEvent, mergeStatus, type RawResource, readResource } from './kube-objects.js';
import { createLookActivities, currentRef } from './look.js';
import { choosePlan, type PlanChoice } from './plans.js';
import { SnapshotCache } from './snapshot-cache.js';
import { whileHeartbeating, withStepSignal } from './step-signal.js';
import { WrittenObjects } from './written-objects.js';

/** Options of {@link createEngineActivities}. */
export interface EngineActivityOptions<K extends ResourceKind> {
  readonly operator: OperatorDefinition<K>;
  /**
   * The worker's identity towards the API server: client-node's `KubeConfig`, or a lean endpoint
   * (`loadKubeEndpoint`), with which the worker loads client-node only if a step reads `kube.config`.
   */
  readonly kube: KubeEndpoint;
  /** Largest step data, in bytes of JSON, allowed through workflow history; default 64 KiB. */
  readonly maxStepDataBytes?: number;
}

/** The engine's activities as a worker registers them: the typed ones, and `default` for step-named ones. */
export type EngineActivityImplementations = EngineActivities &
  LookActivities & {
    /**
     * Serves the local activities `check <step>` and `apply <step>` (see `CHECK_ACTIVITY`, `APPLY_ACTIVITY`);
     * refuses any other unknown type.
     */
    default(...args: unknown[]): Promise<StepCheck | AppliedFix>;
  };

/**
 * The engine's activities for one operator: they read the resource, run step checks and applies, and record
 * status and events. Register them on a worker together with the engine's workflows.
 */
export function createEngineActivities<K extends ResourceKind>(
  options: EngineActivityOptions<K>,
): EngineActivityImplementations {
  const engine = engineActivities(options);
  const look = createLookActivities(options.operator as OperatorDefinition, options.kube);
  return { ...engine, ...look, default: stepNamedActivities(engine) };
}

/**
 * The `default` activity: a check scheduled under its step's name runs as `checkStep`, an apply as `applyStep`.
 */
function stepNamedActivities(engine: EngineActivities): EngineActivityImplementations['default'] {
  return async (...args: unknown[]) => {
    const type = Context.current().info.activityType;
    if (type.startsWith(CHECK_ACTIVITY.prefix)) return engine.checkStep(args[0] as StepCall);
    if (type.startsWith(APPLY_ACTIVITY.prefix)) return engine.applyStep(args[0] as ApplyCall);
    throw ApplicationFailure.nonRetryable(
      `no activity of type ${type} on this worker`,
      'UnknownActivityType',
    );
  };
}

function engineActivities<K extends ResourceKind>(options: EngineActivityOptions<K>): EngineActivities {
  const { operator, kube } = options;
  const resolved = resolveOptions(operator as OperatorDefinition);
  const snapshots = new SnapshotCache();
  const discovery = new KubeDiscovery(kube);
  const fieldManager = fieldManagerOf(operator as OperatorDefinition);
  const maxData = options.maxStepDataBytes ?? 64 * 1024;

  /**
   * The step a call names, on the object's current state, with `signal` as its signal (and the apply's `written`
   * objects, when it confirms itself), or why the run is stale.
   */
  async function locate(
    call: StepCall,
    signal: AbortSignal,
    written?: WrittenObjects,
  ): Promise<{ step: AnyStep<K>; context: StepContext<K> } | string> {
    const raw =
      snapshots.get(call.object.uid, call.object.resourceVersion) ?? (await readResource(kube, call.ref));
    if (!raw || raw.metadata.uid !== call.object.uid)
      return 'the object was deleted or replaced during the run';
    const choice = snapshots.derive(raw, call.purpose, () =>
      choosePlan(operator, resolved, raw, call.purpose),
    );
    if (choice.kind === 'invalid') return 'the spec became invalid during the run';
    if (choice.kind === 'gone') return 'the object no longer holds the engine’s finalizer';
    const step = choice.plan.steps.get(call.step);
    if (!step) return `step ${call.step} is no longer in the plan`;
    return { step, context: contextOf(choice.resource, call, signal, written) };
  }

  /** A step's context in the current activity, on `resource` as this run read it. */
  function contextOf(
    resource: ResourceOf<K>,
    run: { readonly ref: ResourceRef; readonly runStartedAt: string; readonly runNumber: number },
    signal: AbortSignal,
    written: WrittenObjects | undefined,
  ): StepContext<K> {
    return {
      resource,
      ref: run.ref,
      kube: createKubeClient({
        kube,
        discovery,
        fieldManager,
        ref: run.ref,
        uid: resource.metadata.uid as string,
        signal,
        ...(written ? { written } : {}),
      }),
      log: Context.current().log,
      runStartedAt: new Date(run.runStartedAt),
      runNumber: run.runNumber,
      attempt: Context.current().info.attempt,
      signal,
    };
  }

  /**
   * Reads the object (or takes it as the apply's status patch left it, see `written`) and chooses the plan: what
   * `prepareRun` answers, with what it read.
   */
  async function prepare(input: PrepareRunInput, written?: WrittenObjects): Promise<Prepared<K>> {
    // The kind's version this worker serves, not the one the loop started with (it may no longer be served).
    const ref = currentRef(operator, input.ref);
    const raw = written?.resource ?? (await readResource(kube, ref));
    if (!raw) return { prepared: { kind: 'gone' } };
    const deleting = raw.metadata.deletionTimestamp !== undefined;
    const version = {
      uid: raw.metadata.uid,
      generation: raw.metadata.generation ?? 0,
      resourceVersion: raw.metadata.resourceVersion ?? '',
    };
    const status = engineStatusOf(raw);
    let choice: PlanChoice<K>;
    try {
      const purpose = deleting ? 'cleanup' : 'reconcile';
      // One compiled plan per object version: the run's reads, its apply and its confirming reads share it.
      choice = snapshots.derive(raw, purpose, () => choosePlan(operator, resolved, raw, purpose));
    } catch (error) {
      const failure = classifyPlanError(error);
      // The workflow records no status for a run that could not start: say it here, best-effort.
      await recordPlanFailure(ref, raw, deleting, failure).catch(() => {});
      throw failure;
    }
    if (choice.kind === 'gone') return { prepared: { kind: 'gone' } };
    const settings = { loop: resolved.loop, version: operator.kind.version };
    if (choice.kind === 'invalid')
      return { prepared: { kind: 'invalid', ...version, message: choice.message, status, settings } };
    const prepared = { kind: 'ready', ...version, plan: choice.plan.descriptor, status, settings } as const;
    return { prepared, ref, choice };
  }

  /** Writes a run's status, operator status and Event; an object gone meanwhile is nothing to record on. */
  async function record(input: RecordRunInput): Promise<void> {
    try {
      // Operator fields merge in; the engine's own fields are applied under their own field manager, so that
      // neither overwrites the other and conditions written by others stay.
      const writes: Promise<unknown>[] = [];
      if (input.operatorStatus) writes.push(mergeStatus(kube, input.ref, input.uid, input.operatorStatus));
      if (input.status) writes.push(applyEngineStatus(kube, input.ref, input.uid, { ...input.status }));
      if (input.event) writes.push(emitEvent(kube, input.ref, input.uid, input.event));
      await Promise.all(writes);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * A run's reads in one activity: prepare, then the plan's checks in order (see `evaluatePlan`), handing back what
   * is left unchecked before the activity's time (counted from `startedAtMs`) runs out.
   */
  async function evaluate(
    input: EvaluateRunInput,
    startedAtMs = Date.now(),
    written?: WrittenObjects,
  ): Promise<EvaluatedRun> {
    const read = await prepare(input, written);
    if (!read.choice) return read.prepared;
    const { resource, plan } = read.choice;
    const run = { ref: read.ref, runStartedAt: input.runStartedAt, runNumber: input.runNumber };
    const deadline = evaluationDeadline(Context.current(), startedAtMs);
    try {
      const evaluation = await evaluatePlan(plan, {
        contextFor: (signal) => contextOf(resource, run, signal, written),
        signal: deadline.signal,
        assertSmall: (step, data) => assertSmall(step, data, maxData),
      });
      return { ...read.prepared, evaluation };
    } finally {
      deadline.dispose();
    }
  }

  /** One step's check, with `signal` as the step's signal. */
  async function check(call: StepCall, signal: AbortSignal): Promise<StepCheck> {
    const located = await locate(call, signal);
    if (typeof located === 'string') return { kind: 'stale', reason: located };
    try {
      const result = await located.step.check(located.context, call.input);
      if (result.kind === 'passes') assertSmall(call.step, result.data, maxData);
      if (result.kind === 'needs-fix') assertSmall(call.step, result.fix, maxData);
      return result;
    } catch (error) {
      throw classifyStepError(error);
    }
  }

  /**
   * The run's reads after its apply of `step` on the object `uid`; when they find the run converged or progressed,
   * writes `recordOf` that case (best-effort, as a run's record always is: the loop records the run itself when
   * this did not).
   */
  async function confirm(
    input: EvaluateRunInput & { readonly uid: string; readonly step: string },
    recordOf: (kind: ConfirmedKind) => RecordRunInput | undefined,
    startedAtMs?: number,
    written?: WrittenObjects,
  ): Promise<ConfirmedRun> {
    const seen = await evaluate(input, startedAtMs, written);
    const confirmation = confirmationOf(seen, input.uid, input.step);
    const toRecord = confirmation === 'none' ? undefined : recordOf(confirmation);
    if (!toRecord) return seen;
    const recorded = await record(toRecord).then(
      () => true,
      () => false,
    );
    return { ...seen, recorded };
  }

  /**
   * An apply's confirming reads, made by the apply itself (`call.confirm`) once its fix is in: read-only, and never a
   * reason to fail the apply — reads that fail or find no time left leave the fix unconfirmed.
   */
  async function confirmApply(
    call: ApplyCall,
    fix: AppliedFix,
    startedAtMs: number,
    written: WrittenObjects,
  ): Promise<AppliedFix> {
    const { confirm: asked } = call;
    if (!asked || fix.stale !== undefined || timeLeftMs(Context.current(), startedAtMs) < MIN_CONFIRM_MS)
      return fix;
    const applied = { reason: fix.message ?? asked.checkReason, status: fix.status };
    const recordOf = (kind: ConfirmedKind) => {
      const basis = kind === 'converged' ? asked.ifConverged : asked.ifProgressed;
      return basis && confirmedRecord(basis, kind, call.step, applied);
    };
    try {
      const input = { ...call, uid: call.object.uid };
      return { ...fix, confirmed: await confirm(input, recordOf, startedAtMs, written) };
    } catch {
      return fix;
    }
  }

  /** One step's apply, with `signal` as the step's signal; its writes are remembered in `written`, if given. */
  async function apply(call: ApplyCall, signal: AbortSignal, written?: WrittenObjects): Promise<AppliedFix> {
    const located = await locate(call, signal, written);
    // Retrying cannot bring the object back: the run stops as stale and the next one sees the fresh state.
    if (typeof located === 'string') return { stale: located };
    const { step, context } = located;
    if (!step.apply)
      throw ApplicationFailure.nonRetryable(`step ${call.step} has no apply`, 'StepHasNoApply');
    try {
      // Heartbeats let Temporal retry on another worker soon after this one dies, and fire `signal` on timeout.
      const result = await whileHeartbeating(Context.current(), async () =>
        step.apply?.({ ...context, input: call.input, fix: call.fix }),
      );
      Context.current()
        .metricMeter.createCounter('staircase_applies', 'applies', 'Successful step applies by kind and step')
        .add(1, { kind: call.ref.kind, step: call.step });
      return {
        ...(result?.message ? { message: result.message } : {}),
        ...(result?.status ? { status: result.status } : {}),
      };
    } catch (error) {
      throw classifyStepError(error);
    }
  }

  /** Writes a failed status saying why the plan of a run could not be chosen. */
  async function recordPlanFailure(
    ref: ResourceRef,
    raw: RawResource,
    deleting: boolean,
    failure: ApplicationFailure,
  ): Promise<void> {
    const reason = `the plan could not be chosen: ${failure.message}`;
    const permanent = failure.nonRetryable === true;
    const errorType = failure.type ?? 'PlanFailed';
    const status = statusFor({
      outcome: { kind: 'failed', reason, permanent, errorType },
      deleting,
      flapping: false,
      generation: raw.metadata.generation ?? 0,
      previous: engineStatusOf(raw).conditions ?? [],
      now: new Date().toISOString(),
    });
    await applyEngineStatus(kube, ref, raw.metadata.uid, { ...status });
  }

  return {
    async prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
      return (await prepare(input)).prepared;
    },

    evaluateRun: evaluate,

    confirmRun: (input: ConfirmRunInput) =>
      confirm(input, (kind) => (kind === 'converged' ? input.recordIfConverged : input.recordIfProgressed)),

    checkStep: (call: StepCall) => withStepSignal(Context.current(), (signal) => check(call, signal)),

    async applyStep(call: ApplyCall): Promise<AppliedFix> {
      const startedAtMs = Date.now();
      if (!call.confirm) return await withStepSignal(Context.current(), (signal) => apply(call, signal));
      // The confirming reads take what the apply wrote as the API server answered it, instead of reading it again.
      const written = new WrittenObjects();
      const fix = await withStepSignal(Context.current(), (signal) => apply(call, signal, written));
      return await confirmApply(call, fix, startedAtMs, written);
    },

    recordRun: record,
  };
}

/** What `prepare` read: the answer, and for a plan ready to run the reference it used and the plan. */
type Prepared<K extends ResourceKind> =
  | { readonly prepared: Exclude<PreparedRun, { readonly kind: 'ready' }>; readonly choice?: undefined }
  | {
      readonly prepared: Extract<PreparedRun, { readonly kind: 'ready' }>;
      readonly ref: ResourceRef;
      readonly choice: Extract<PlanChoice<K>, { readonly kind: 'plan' }>;
    };

/** Time an evaluation keeps to hand its unfinished checks back before its own timeout. */
const EVALUATION_MARGIN_MS = 5_000;

/** Least time an apply's confirming reads need left before the apply's own timeout; with less, they are skipped. */
const MIN_CONFIRM_MS = EVALUATION_MARGIN_MS + 1_000;

/** Time left until the activity's timeout, counted from `startedAtMs`; infinite without a timeout. */
function timeLeftMs(context: Context, startedAtMs: number): number {
  const { startToCloseTimeoutMs } = context.info;
  return startToCloseTimeoutMs > 0
    ? startToCloseTimeoutMs - (Date.now() - startedAtMs)
    : Number.POSITIVE_INFINITY;
}

/** Fires when the evaluation must stop checking: a cancellation, or the activity's timeout less a margin. */
function evaluationDeadline(context: Context, startedAtMs: number): DeadlineSignal {
  const left = timeLeftMs(context, startedAtMs);
  const budget = Number.isFinite(left) ? Math.max(1_000, left - EVALUATION_MARGIN_MS) : 0;
  return deadlineSignal(context.cancellationSignal, budget);
}

function engineStatusOf(raw: RawResource): Partial<EngineStatus> {
  const status = (raw.status ?? {}) as Partial<EngineStatus>;
  return {
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    ...(status.phase !== undefined ? { phase: status.phase } : {}),
    ...(status.currentStep !== undefined ? { currentStep: status.currentStep } : {}),
    conditions: status.conditions ?? [],
  };
}

function assertSmall(step: string, data: unknown, maxBytes: number): void {
  const size = data === undefined ? 0 : Buffer.byteLength(JSON.stringify(data));
  if (size > maxBytes) {
    throw ApplicationFailure.nonRetryable(
      `step ${step} passed ${size} bytes of data; at most ${maxBytes} go through workflow history — pass names and references, not objects`,
      PERMANENT_ERROR_TYPES.dataTooLarge,
    );
  }
}
