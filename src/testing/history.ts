import type { Client } from '@temporalio/client';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import {
  APPLY_ACTIVITY,
  type AppliedFix,
  CHECK_ACTIVITY,
  type EvaluatedRun,
  isCheckActivityType,
  type PreparedRun,
  type StepCall,
  type StepCheck,
} from '../core/activity-contract.js';
import type { PlanEntry } from '../core/plan-descriptor.js';
import { EngineGuaranteeError } from './errors.js';
import { repeatUntil } from './waits.js';

// A CommonJS module whose exports Node cannot name statically: import the default and destructure.
const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** How long {@link runsInHistory} waits for a workflow task in flight. */
const TASK_IN_FLIGHT_WAIT_MS = 10_000;

/**
 * Waits, up to {@link TASK_IN_FLIGHT_WAIT_MS}, until the loop has no workflow task in flight. Why: a run's steps are
 * local activities, written to history only when their workflow task completes, while their effects (Ready, the
 * object gone) are visible at once. A loop that never stops working is read as it is after the wait.
 */
async function untilNoTaskInFlight(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  await repeatUntil(
    async () => ((await handle.describe()).raw.pendingWorkflowTask ? undefined : true),
    TASK_IN_FLIGHT_WAIT_MS,
    50,
  );
}

/** What one step did in one run, read from the history. */
export interface StepInHistory {
  readonly name: string;
  /** The check's verdict: `passes`, `needs-fix`, `wait`, `stale`, or `failed` when the check activity failed. */
  readonly verdict: StepCheck['kind'] | 'failed';
  /** The check's reason, for `needs-fix`, `wait` and `stale`. */
  readonly reason?: string;
  /** True when the engine ran this step's apply in this run. */
  readonly applied: boolean;
}

/** One run of a resource's loop, read from its Temporal history. */
export interface RunInHistory {
  readonly runNumber: number;
  /** `reconcile` or `cleanup`; absent when the object was gone or its spec invalid. */
  readonly purpose?: 'reconcile' | 'cleanup';
  /** Checked steps in order. */
  readonly steps: readonly StepInHistory[];
  /** Names of the steps whose apply was scheduled (the engine allows at most one). */
  readonly applies: readonly string[];
  /**
   * Present when the run read the resource again after its apply (engines that confirm applies): true when every
   * step then passed, so the run's apply converged the resource.
   */
  readonly confirmed?: boolean;
}

interface Decoded {
  readonly runs: RunInHistory[];
  /** Flattened step names of the current run's plan, in check order. */
  pending: string[];
  /**
   * The current run's confirming reads, when they may be the next run's: a run that follows a progressed one at
   * once starts from them, so an apply or a check after them, with no reads of its own first, begins that run.
   */
  carried: EvaluatedRun | undefined;
}

/**
 * Every run of a resource's loop, oldest first, across continue-as-new (one loop incarnation: a deleted and
 * recreated object starts a new one), once a workflow task in flight has completed (see {@link untilNoTaskInFlight}).
 *
 * Reads activity types and payloads, not the UI labels, so it is independent of how summaries are worded.
 * Payloads are decoded with the client's data converter, so encrypted histories read the same when the client has
 * the codec (as the kit's client does when the test was given one).
 */
export async function runsInHistory(client: Client, workflowId: string): Promise<RunInHistory[]> {
  await untilNoTaskInFlight(client, workflowId);
  const decoded: Decoded = { runs: [], pending: [], carried: undefined };
  const decode = decoder(client.options.loadedDataConverter);
  for (const event of await loopHistory(client, workflowId)) await readEvent(decoded, event, decode);
  return decoded.runs;
}

/**
 * Every event of the loop's current incarnation, oldest first: its current execution's and those of the executions
 * it continued as new from.
 */
export async function loopHistory(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const executions: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const events = (await handle.fetchHistory()).events ?? [];
    executions.unshift(events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return executions.flat();
  }
}

type Decode = <T>(payload: Payload | null | undefined) => Promise<T | undefined>;

async function readEvent(decoded: Decoded, event: HistoryEvent, decode: Decode): Promise<void> {
  if (event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED) await readMarker(decoded, event, decode);
  if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    await readScheduled(decoded, event, decode);
}

/**
 * A local activity's marker: `prepareRun` or `evaluateRun` starts a run, a check records its step's verdict, an
 * apply its step (and, when it confirmed itself, what its confirming reads found).
 */
async function readMarker(decoded: Decoded, event: HistoryEvent, decode: Decode): Promise<void> {
  const details = event.markerRecordedEventAttributes?.details ?? {};
  const data = await decode<{ activity_type?: string }>(details.data?.payloads?.[0]);
  const result = details.result?.payloads?.[0];
  const type = data?.activity_type ?? '';
  if (type === 'prepareRun') startRun(decoded, await decode<PreparedRun>(result));
  if (type === 'evaluateRun') readEvaluation(decoded, await decode<EvaluatedRun>(result));
  if (type === 'confirmRun') readConfirmation(decoded, await decode<EvaluatedRun>(result));
  if (isCheckActivityType(type)) {
    startCarriedRun(decoded);
    recordCheck(decoded, type, await decode<StepCheck>(result));
  }
  if (type.startsWith(APPLY_ACTIVITY.prefix)) {
    recordApply(decoded, type.slice(APPLY_ACTIVITY.prefix.length));
    // An apply that confirmed itself carries the confirming reads in its result.
    const confirmed = (await decode<AppliedFix>(result))?.confirmed;
    if (confirmed) readConfirmation(decoded, confirmed);
  }
}

/** A scheduled `applyStep` (a long-running apply, or any apply of older histories) ran in the current run. */
async function readScheduled(decoded: Decoded, event: HistoryEvent, decode: Decode): Promise<void> {
  const attributes = event.activityTaskScheduledEventAttributes;
  if (attributes?.activityType?.name !== APPLY_ACTIVITY.regular) return;
  const call = await decode<StepCall>(attributes.input?.payloads?.[0]);
  if (call) recordApply(decoded, call.step);
}

/** The step's apply ran in the current run (a local apply's marker, whether it succeeded or failed). */
function recordApply(decoded: Decoded, name: string): void {
  startCarriedRun(decoded);
  const run = decoded.runs.at(-1);
  if (!run) return;
  (run.applies as string[]).push(name);
  const step = run.steps.findLast((s) => s.name === name);
  if (step) (step as { applied: boolean }).applied = true;
}

/** An apply or check right after confirming reads: a new run began from those reads. */
function startCarriedRun(decoded: Decoded): void {
  const carried = decoded.carried;
  if (carried) readEvaluation(decoded, carried);
}

function startRun(decoded: Decoded, prepared: PreparedRun | undefined): void {
  decoded.carried = undefined;
  const runNumber = decoded.runs.length + 1;
  if (prepared?.kind === 'ready') {
    decoded.runs.push({ runNumber, purpose: prepared.plan.purpose, steps: [], applies: [] });
    decoded.pending = prepared.plan.entries.flatMap(stepNames);
  } else {
    decoded.runs.push({ runNumber, steps: [], applies: [] });
    decoded.pending = [];
  }
}

/** A run whose reads were one activity: the run starts, and the checks it ran are its first steps. */
function readEvaluation(decoded: Decoded, evaluated: EvaluatedRun | undefined): void {
  startRun(decoded, evaluated);
  const run = decoded.runs.at(-1);
  if (!run || evaluated?.kind !== 'ready') return;
  const { passed, stop } = evaluated.evaluation;
  const steps = run.steps as StepInHistory[];
  const members = new Map(
    evaluated.plan.entries.map((entry) => [
      entry.kind === 'step' ? entry.step.name : entry.name,
      stepNames(entry),
    ]),
  );
  for (const name of passed.flatMap((entry) => members.get(entry) ?? [entry]))
    steps.push({ name, verdict: 'passes', applied: false });
  if (stop) {
    const reason = 'reason' in stop.check ? stop.check.reason : undefined;
    steps.push({ name: stop.step, verdict: stop.check.kind, applied: false, ...(reason ? { reason } : {}) });
  }
  // Checks the evaluation left unsettled follow as step-named check activities, read as before.
  decoded.pending = decoded.pending.slice(steps.length);
}

/** The reads after a run's apply: did every step pass on the same object? */
function readConfirmation(decoded: Decoded, evaluated: EvaluatedRun | undefined): void {
  const run = decoded.runs.at(-1) as { confirmed?: boolean } | undefined;
  if (!run) return;
  const evaluation = evaluated?.kind === 'ready' ? evaluated.evaluation : undefined;
  run.confirmed = evaluation !== undefined && !evaluation.stop && !evaluation.unsettled;
  if (evaluation?.stop || evaluation?.unsettled) decoded.carried = evaluated;
}

function recordCheck(decoded: Decoded, type: string, check: StepCheck | undefined): void {
  const run = decoded.runs.at(-1);
  const planned = decoded.pending.shift();
  // Step-named check types (`check configmap`) say the step; older histories (`checkStep`) follow the plan's order.
  const name = type.startsWith(CHECK_ACTIVITY.prefix) ? type.slice(CHECK_ACTIVITY.prefix.length) : planned;
  if (!run || !name) return;
  const verdict = check?.kind ?? 'failed';
  const reason = check && 'reason' in check ? check.reason : undefined;
  (run.steps as StepInHistory[]).push({ name, verdict, applied: false, ...(reason ? { reason } : {}) });
}

function stepNames(entry: PlanEntry): string[] {
  return entry.kind === 'step' ? [entry.step.name] : entry.steps.map(({ step }) => step.name);
}

/** Decodes one payload as the client would: its codecs in reverse order, then its payload converter. */
function decoder(converter: LoadedDataConverter): Decode {
  return async <T>(payload: Payload | null | undefined) => {
    if (!payload) return undefined;
    let payloads = [payload];
    for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    return converter.payloadConverter.fromPayload(payloads[0] as Payload) as T;
  };
}

/** The applied steps of every run, in order: `['ensure-a', 'ensure-b']`. */
export function appliedSteps(runs: readonly RunInHistory[]): string[] {
  return runs.flatMap((run) => run.applies);
}

/**
 * Checks a loop's history against the engine's guarantees: at most one apply per run, and an apply only for a
 * step whose check said `needs-fix` in the same run.
 *
 * @throws {EngineGuaranteeError} naming the run and the steps.
 */
export function assertEngineGuarantees(workflowId: string, runs: readonly RunInHistory[]): void {
  for (const run of runs) {
    if (run.applies.length > 1)
      throw new EngineGuaranteeError(
        workflowId,
        `run ${run.runNumber} applied ${run.applies.length} steps (${run.applies.join(', ')}); at most one is allowed`,
      );
    for (const name of run.applies) {
      const step = run.steps.findLast((s) => s.name === name);
      if (step?.verdict !== 'needs-fix')
        throw new EngineGuaranteeError(
          workflowId,
          `run ${run.runNumber} applied ${name} although its check said ${step?.verdict ?? 'nothing'}`,
        );
    }
  }
}
