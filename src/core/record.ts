import type { EventNote, ObjectVersion, RecordBasis, RecordRunInput } from './activity-contract.js';
import { canonicalJson } from './canonical-json.js';
import { appliedStepOf, type RunOutcome } from './outcome.js';
import type { ResourceRef } from './resource-ref.js';
import { type EngineStatus, statusFor } from './status.js';

/** What a run's record is made of: the object it worked on, its outcome, the status before it, its operator status. */
export interface RecordedRun {
  readonly object?: Pick<ObjectVersion, 'uid'>;
  readonly outcome: RunOutcome;
  readonly previousStatus: Partial<EngineStatus>;
  readonly operatorStatus?: Readonly<Record<string, unknown>> | undefined;
}

/** What recording `run` writes: the status when it changed, the operator's status, the Event; or nothing. */
export function recordInputOf(
  ref: ResourceRef,
  run: RecordedRun,
  status: EngineStatus,
): RecordRunInput | undefined {
  const event = eventFor(run.outcome);
  const statusChanged = !sameStatus(run.previousStatus, status);
  if (!statusChanged && !event && !run.operatorStatus) return undefined;
  return {
    ref,
    uid: run.object?.uid ?? '',
    ...(statusChanged ? { status } : {}),
    ...(run.operatorStatus ? { operatorStatus: run.operatorStatus } : {}),
    ...(event ? { event } : {}),
  };
}

/** How the confirming reads after an apply may end a run: every step passes, or the next step's turn has come. */
export type ConfirmedKind = 'converged' | 'progressed';

/**
 * The outcome of a run whose apply of `step` (saying `reason`) the confirming reads found `kind`: `converged` with
 * the step it applied, or `modified` and `progressed`.
 */
export function confirmedOutcome(kind: ConfirmedKind, step: string, reason: string): RunOutcome {
  return kind === 'converged'
    ? { kind: 'converged', applied: { step, reason } }
    : { kind: 'modified', step, reason, progressed: true };
}

/**
 * The record of a run whose apply of `step` said `applied` and whose confirming reads found it `kind`: the status,
 * the Event and the operator status, as the loop records any run. A progressed run writes no engine status: the run
 * after it starts at once and writes its own.
 */
export function confirmedRecord(
  basis: RecordBasis,
  kind: ConfirmedKind,
  step: string,
  applied: { readonly reason: string; readonly status?: Readonly<Record<string, unknown>> | undefined },
): RecordRunInput | undefined {
  const outcome = confirmedOutcome(kind, step, applied.reason);
  const status = statusFor({
    outcome,
    generation: basis.generation,
    deleting: basis.deleting,
    flapping: false,
    previous: basis.previousStatus.conditions ?? [],
    now: basis.startedAt,
  });
  const run = {
    object: { uid: basis.uid },
    outcome,
    previousStatus: basis.previousStatus,
    operatorStatus: applied.status,
  };
  const input = recordInputOf(basis.ref, run, status);
  if (!input || kind === 'converged') return input;
  const { status: _later, ...withoutStatus } = input;
  return withoutStatus;
}

function eventFor(outcome: RunOutcome): EventNote | undefined {
  const applied = appliedStepOf(outcome);
  if (applied) {
    return { type: 'Normal', reason: 'StepApplied', message: `step ${applied.step}: ${applied.reason}` };
  }
  if (outcome.kind === 'failed') {
    const where = outcome.step ? `step ${outcome.step}: ` : '';
    return { type: 'Warning', reason: outcome.errorType, message: `${where}${outcome.reason}` };
  }
  return undefined;
}

function sameStatus(before: Partial<EngineStatus>, after: EngineStatus): boolean {
  const comparable = (s: Partial<EngineStatus>) =>
    canonicalJson([s.observedGeneration, s.phase, s.currentStep ?? '', s.conditions ?? []]);
  return comparable(before) === comparable(after);
}
