import type { LoopState, WakeDecision } from '../core/loop.js';
import { phaseOf } from '../core/phase.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { displayName } from '../core/resource-ref.js';
import { runTable } from '../core/run-summary.js';
import type { ResourceDescription } from './contract.js';

/** What the loop knows, for {@link describeLoop}. */
export interface LoopView {
  readonly ref: ResourceRef;
  readonly state: LoopState;
  readonly wake: WakeDecision;
  readonly running: boolean;
  readonly currentStep?: string;
}

/** The answer to the `describe` query. */
export function describeLoop(view: LoopView): ResourceDescription {
  const { state } = view;
  const last = state.lastReport;
  const outcome = last?.outcome;
  const lastStep = outcome && 'step' in outcome ? outcome.step : undefined;
  const currentStep = view.running ? view.currentStep : lastStep;
  const lastError = outcome?.kind === 'failed' ? outcome.reason : undefined;
  return {
    ref: view.ref,
    phase: loopPhase(view),
    paused: state.paused,
    runNumber: state.runNumber,
    ...(currentStep ? { currentStep } : {}),
    ...(last ? { lastRun: last } : {}),
    ...(lastError ? { lastError } : {}),
    ...(state.nextRunAt !== undefined && !view.running && !state.paused
      ? { nextRunAt: new Date(state.nextRunAt).toISOString() }
      : {}),
    consecutiveModifyingRuns: state.consecutiveModifying,
    consecutiveFailedRuns: state.consecutiveFailures,
    flapping: view.wake.flapping,
  };
}

/** The query's phase: the loop's own states (`Paused`, `Pending` before any run), else the last run's phase. */
function loopPhase(view: LoopView): ResourceDescription['phase'] {
  const last = view.state.lastReport;
  if (view.state.paused) return 'Paused';
  if (!last) return 'Pending';
  return phaseOf({
    outcome: last.outcome,
    deleting: last.purpose === 'cleanup',
    flapping: view.wake.flapping,
  });
}

/** One line for the Temporal UI's "current details". */
export function detailsText(state: LoopState, wake: WakeDecision, ref?: ResourceRef): string {
  const outcome = state.lastReport?.outcome;
  const where = ref ? `${displayName(ref)}: ` : '';
  if (state.paused) return `${where}paused after run ${state.runNumber}`;
  if (!outcome) return `${where}starting`;
  const step = 'step' in outcome && outcome.step ? ` at step ${outcome.step}` : '';
  const reason = 'reason' in outcome ? ` (${outcome.reason})` : '';
  const flap = wake.flapping ? ' — flapping, backing off' : '';
  return `${where}run ${state.runNumber}: ${outcome.kind}${step}${reason}${flap}; next run in ${Math.round(wake.delayMs / 1000)} s or on change`;
}

/**
 * The workflow's current details in the Temporal UI (Markdown): the {@link detailsText} line, then the last run's
 * steps with their verdicts.
 */
export function detailsMarkdown(state: LoopState, wake: WakeDecision, ref?: ResourceRef): string {
  const line = detailsText(state, wake, ref);
  const table = state.lastReport ? runTable(state.lastReport) : '';
  return table ? `${line}\n\n${table}` : line;
}
