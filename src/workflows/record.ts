import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Phase } from '../core/phase.js';
import { recordInputOf } from '../core/record.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes.js';
import type { EngineStatus } from '../core/status.js';
import type { RunResult } from './run.js';
import { recordRun } from './step-calls.js';

/**
 * Records a run's status and Event on the object: best-effort, skipped when nothing changed, or when the confirming
 * activity already wrote them. (The phase and step search attributes are the loop's: {@link updateSearchAttributes}.)
 */
export async function recordOutcome(
  ref: ResourceRef,
  result: RunResult,
  status: EngineStatus,
): Promise<void> {
  if (result.recorded) return;
  const input = recordInputOf(ref, result, status);
  if (!input) return;
  try {
    await recordRun(input);
  } catch {
    // Status and events are best-effort by design (DESIGN §1): nothing depends on them.
  }
}

/**
 * Patch: the loop of an object that is gone ends by setting the phase search attribute to `Deleted` (and the step to
 * none), so it agrees with the `describe` query. Histories recorded before it end without that upsert.
 */
export const DELETED_PHASE_PATCH = 'staircase-deleted-phase';

/**
 * The loop ends because its object is gone: say so in the search attributes (behind {@link DELETED_PHASE_PATCH},
 * which `deletedPhase` asks, or a later patch implies).
 */
export function recordDeleted(deletedPhase: () => boolean): void {
  if (deletedPhase()) updateSearchAttributes('Deleted', undefined);
}

/** Sets the phase and step search attributes, when they differ from the workflow's current ones. */
export function updateSearchAttributes(phase: Phase, currentStep: string | undefined): void {
  const current = workflowInfo().typedSearchAttributes;
  const step = currentStep ?? '';
  const changes = [];
  if (current.get(SEARCH_ATTRIBUTES.phase) !== phase)
    changes.push({ key: SEARCH_ATTRIBUTES.phase, value: phase });
  if (current.get(SEARCH_ATTRIBUTES.step) !== step)
    changes.push({ key: SEARCH_ATTRIBUTES.step, value: step });
  if (changes.length > 0) upsertSearchAttributes(changes);
}
