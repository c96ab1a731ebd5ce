import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { afterRun, INITIAL_LOOP_STATE, type LoopState, nextWake, type WakeDecision } from '../core/loop.js';
import type { RunReport } from '../core/outcome.js';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes.js';
import { type EngineStatus, statusFor } from '../core/status.js';
import {
  changedSignal,
  describeQuery,
  pauseSignal,
  type ReconcileInput,
  reconcileNowUpdate,
  resumeSignal,
} from './contract.js';
import { describeLoop, detailsText } from './describe.js';
import { recordOutcome } from './record.js';
import { executeRun, type RunResult } from './run.js';

/**
 * The control loop of one resource: sleep until a change or a timer, run the plan, record the outcome, decide
 * when to run next. Ends when the resource is gone (deleted, or its cleanup finished).
 *
 * Guarantees: at most one apply per run (see `executeRun`); runs never overlap; a failed run never fails the
 * workflow; continue-as-new carries the loop's state after handlers have finished.
 */
export async function reconcileWorkflow(input: ReconcileInput): Promise<RunReport | undefined> {
  const { ref, config } = input;
  let state: LoopState = input.state ?? INITIAL_LOOP_STATE;
  let wake: WakeDecision = { delayMs: 0, wakeOnChange: true, flapping: false };
  let requestedRuns = 0;
  let completedRuns = 0;
  let currentStep: string | undefined;
  let running = false;

  setHandler(changedSignal, (notice) => {
    log.debug('change signalled', { reason: notice.reason });
    state = { ...state, pendingChange: true };
  });
  setHandler(pauseSignal, () => {
    state = { ...state, paused: true };
  });
  setHandler(resumeSignal, () => {
    state = { ...state, paused: false, pendingChange: true };
  });
  setHandler(describeQuery, () =>
    describeLoop({ ref, state, wake, running, ...(currentStep ? { currentStep } : {}) }),
  );
  setHandler(
    reconcileNowUpdate,
    async () => {
      requestedRuns += 1;
      const target = completedRuns;
      await condition(() => completedRuns > target);
      return state.lastReport as RunReport;
    },
    {
      validator: () => {
        if (state.paused) throw new Error('the resource is paused; resume it first');
      },
    },
  );
  // Usually set by the starter (signalWithStart); set here only for loops started without them.
  if (workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) === undefined) {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.kind, value: ref.kind },
      { key: SEARCH_ATTRIBUTES.namespace, value: ref.namespace ?? '' },
      { key: SEARCH_ATTRIBUTES.name, value: ref.name },
    ]);
  }

  for (;;) {
    setCurrentDetails(detailsText(state, wake, ref));
    const woken = () => requestedRuns > 0 || (!state.paused && wake.wakeOnChange && state.pendingChange);
    if (state.paused) await condition(() => !state.paused || requestedRuns > 0);
    else if (!woken()) {
      state = { ...state, nextRunAt: Date.now() + wake.delayMs };
      await condition(woken, wake.delayMs);
    }
    if (state.paused && requestedRuns === 0) continue;

    running = true;
    const runNumber = state.runNumber + 1;
    const startedAt = new Date().toISOString();
    const { nextRunAt: _planned, ...rest } = state;
    state = { ...rest, pendingChange: false };
    const result = await executeRun(ref, runNumber, startedAt, (step) => {
      currentStep = step;
    });
    running = false;
    currentStep = undefined;
    const report: RunReport = {
      runNumber,
      generation: result.object?.generation ?? 0,
      outcome: result.outcome,
      steps: result.steps,
      startedAt,
    };
    state = nextState(state, report, result);
    wake = result.changedDuringRun
      ? { delayMs: 0, wakeOnChange: true, flapping: false }
      : nextWake(result.outcome, state, config);
    await record(ref, result, report, wake, startedAt);
    requestedRuns = 0;
    completedRuns += 1;

    if (result.outcome.kind === 'deleted') {
      await condition(allHandlersFinished);
      return report;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= config.maxHistoryEvents) {
      await condition(allHandlersFinished);
      return await continueAsNew<typeof reconcileWorkflow>({ ref, config, state });
    }
  }
}

function nextState(state: LoopState, report: RunReport, result: RunResult): LoopState {
  const uid = result.object?.uid;
  // The same name deleted and recreated is a new object: its counters start afresh.
  const base =
    uid !== undefined && state.uid !== undefined && uid !== state.uid
      ? { ...INITIAL_LOOP_STATE, paused: state.paused }
      : state;
  const next = afterRun(base, report, uid);
  return result.changedDuringRun ? { ...next, pendingChange: true } : next;
}

async function record(
  ref: ReconcileInput['ref'],
  result: RunResult,
  report: RunReport,
  wake: WakeDecision,
  startedAt: string,
): Promise<void> {
  if (!result.object) return;
  const status: EngineStatus = statusFor({
    outcome: result.outcome,
    generation: report.generation,
    deleting: result.purpose === 'cleanup',
    flapping: wake.flapping,
    previous: result.previousStatus.conditions ?? [],
    now: startedAt,
  });
  await recordOutcome(ref, result, status);
}
