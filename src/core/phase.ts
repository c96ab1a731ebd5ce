import { appliedStepOf, type RunOutcome } from './outcome.js';

/**
 * One word for where a resource stands. The same word is the `status.phase` on the object (and its printer column),
 * the `StaircasePhase` search attribute and the `describe` query's phase; {@link phaseOf} is the one place it is
 * computed. `Deleted` is never written on the object (it is gone): only the query and the search attribute of an
 * ended loop say it.
 */
export type Phase = 'Ready' | 'Progressing' | 'Waiting' | 'Failed' | 'Stalled' | 'Deleting' | 'Deleted';

/** Inputs of {@link phaseOf}: a run's outcome and what the loop knew about it. */
export interface PhaseInput {
  readonly outcome: RunOutcome;
  /** The run followed the cleanup plan: the object is being deleted. */
  readonly deleting: boolean;
  /** The flapping guard tripped after this run (steps keep modifying without converging). */
  readonly flapping: boolean;
}

/**
 * The phase of a resource after a run, first match wins:
 *
 * | run | phase |
 * | --- | --- |
 * | object gone (`deleted`) | `Deleted` |
 * | `failed`, in either plan | `Failed` |
 * | `modified`, or `converged` by its own apply, with the flapping guard tripped, in either plan | `Stalled` |
 * | any other run of the cleanup plan | `Deleting` |
 * | `converged` / `modified` / `waiting` | `Ready` / `Progressing` / `Waiting` |
 *
 * A failure or a fight between steps during cleanup is what a person must see, so it wins over `Deleting`.
 */
export function phaseOf(input: PhaseInput): Phase {
  const { outcome } = input;
  if (outcome.kind === 'deleted') return 'Deleted';
  if (outcome.kind === 'failed') return 'Failed';
  if (appliedStepOf(outcome) && input.flapping) return 'Stalled';
  if (input.deleting) return 'Deleting';
  return RECONCILE_PHASES[outcome.kind];
}

const RECONCILE_PHASES = { converged: 'Ready', modified: 'Progressing', waiting: 'Waiting' } as const;
