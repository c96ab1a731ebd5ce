import { type Phase, type PhaseInput, phaseOf } from './phase.js';

export type { Phase } from './phase.js';

/** A `metav1.Condition`. */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration: number;
}

/** The engine-owned part of a resource's status. */
export interface EngineStatus {
  readonly observedGeneration: number;
  readonly phase: Phase;
  /** The step the last run stopped at; absent when it converged. */
  readonly currentStep?: string;
  readonly conditions: readonly Condition[];
}

/** Inputs of {@link statusFor}: the run (as for {@link phaseOf}) and the object it ran on. */
export interface StatusInput extends PhaseInput {
  readonly generation: number;
  /** Conditions currently on the object, to keep `lastTransitionTime` of those whose status did not change. */
  readonly previous: readonly Condition[];
  /** ISO time of the run's start. */
  readonly now: string;
}

type Draft = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * The status the engine writes after a run: `observedGeneration`, the phase ({@link phaseOf}), the current step,
 * and the conditions `Ready`, `Reconciling` and `Stalled` (the kstatus conventions, so
 * `kubectl wait --for=condition=Ready` and GitOps tools understand them). Messages name the step and say what it reported.
 */
export function statusFor(input: StatusInput): EngineStatus {
  const { ready, reconciling, stalled } = conditionParts(input);
  const drafts = [
    { type: 'Ready', ...ready },
    { type: 'Reconciling', ...reconciling },
    { type: 'Stalled', ...stalled },
  ];
  const conditions = drafts.map((draft) => withTransition(draft, input));
  const step = 'step' in input.outcome ? input.outcome.step : undefined;
  return {
    observedGeneration: input.generation,
    phase: phaseOf(input),
    ...(step ? { currentStep: step } : {}),
    conditions,
  };
}

type Parts = Omit<Draft, 'type'>;
const yes = (reason: string, message: string): Parts => ({ status: 'True', reason, message });
const no = (reason: string, message: string): Parts => ({ status: 'False', reason, message });

function flapping(message: string): { ready: Parts; reconciling: Parts; stalled: Parts } {
  const stalledMessage = `steps keep modifying without converging (last: ${message}); backing off`;
  return {
    ready: no('Flapping', stalledMessage),
    reconciling: no('Flapping', stalledMessage),
    stalled: yes('Flapping', stalledMessage),
  };
}

function conditionParts(input: StatusInput): { ready: Parts; reconciling: Parts; stalled: Parts } {
  const { outcome } = input;
  const prefix = input.deleting ? 'cleanup ' : '';
  switch (outcome.kind) {
    case 'deleted':
      return {
        ready: no('Deleted', 'the object is gone'),
        reconciling: no('Deleted', 'nothing left to do'),
        stalled: no('Deleted', 'nothing left to do'),
      };
    case 'converged': {
      const { applied } = outcome;
      if (applied && input.flapping) return flapping(`${prefix}step ${applied.step}: ${applied.reason}`);
      const by = applied ? ` (this run applied step ${applied.step}: ${applied.reason})` : '';
      return {
        ready: yes('Converged', `every step passes${by}`),
        reconciling: no('Converged', 'nothing to do'),
        stalled: no('Converged', 'nothing to do'),
      };
    }
    case 'modified': {
      const message = `${prefix}step ${outcome.step}: ${outcome.reason}`;
      if (input.flapping) return flapping(message);
      return {
        ready: no('StepApplied', message),
        reconciling: yes('StepApplied', message),
        stalled: no('StepApplied', 'making progress'),
      };
    }
    case 'waiting': {
      const message = `${prefix}step ${outcome.step}: ${outcome.reason}`;
      return {
        ready: no('Waiting', message),
        reconciling: yes('Waiting', message),
        stalled: no('Waiting', 'waiting, not stuck'),
      };
    }
    case 'failed': {
      const where = outcome.step ? `${prefix}step ${outcome.step}: ` : '';
      const message = `${where}${outcome.reason}`;
      const reason = outcome.errorType;
      return outcome.permanent
        ? {
            ready: no(reason, message),
            reconciling: no(reason, message),
            stalled: yes(reason, message),
          }
        : {
            ready: no(reason, message),
            reconciling: yes(reason, `${message}; will retry`),
            stalled: no(reason, 'will retry'),
          };
    }
  }
}

function withTransition(draft: Draft, input: StatusInput): Condition {
  const before = input.previous.find((c) => c.type === draft.type);
  const lastTransitionTime = before && before.status === draft.status ? before.lastTransitionTime : input.now;
  return {
    ...draft,
    reason: conditionReason(draft.reason),
    lastTransitionTime,
    observedGeneration: input.generation,
  };
}

/** A condition reason must be CamelCase letters, digits and `_`; anything else is dropped. */
function conditionReason(reason: string): string {
  const cleaned = reason.replace(/[^A-Za-z0-9_]/g, '');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `E${cleaned || 'rror'}`;
}
