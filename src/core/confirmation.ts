import type { EvaluatedRun } from './activity-contract.js';

/**
 * What the reads after a run's apply of `step` say, on the object `uid` the run worked on:
 *
 * - `converged`: every step passes — the run's apply converged the resource;
 * - `progressed`: the applied step passes and a later one needs a fix;
 * - `none`: anything else (a wait, the apply not showing yet, another object, a check handed back).
 *
 * One decision, made the same way by the workflow and by the confirming activity (which records a converged run
 * itself).
 */
export function confirmationOf(
  seen: EvaluatedRun,
  uid: string,
  step: string,
): 'converged' | 'progressed' | 'none' {
  if (seen.kind !== 'ready' || seen.uid !== uid) return 'none';
  const { stop, unsettled, passed } = seen.evaluation;
  if (!stop && !unsettled) return 'converged';
  return stop?.check.kind === 'needs-fix' && passed.includes(step) ? 'progressed' : 'none';
}
