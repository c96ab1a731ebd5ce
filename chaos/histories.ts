/**
 * The Temporal side of the end checks: every loop's history read with the testing kit and held against the
 * engine's guarantees (at most one apply per run, and only for a step whose check asked for it).
 */
import type { Client } from '@temporalio/client';
import { Website } from '../examples/website/kind.js';
import { workflowIdFor } from '../src/core/resource-ref.js';
import { assertEngineGuarantees, EngineGuaranteeError, runsInHistory } from '../src/testing/index.js';
import type { Violation } from './verdict.js';

/** What the histories showed. */
export interface HistoryFigures {
  /** Loops read (the latest incarnation of each Website name the run used). */
  readonly loops: number;
  readonly runs: number;
  readonly applies: number;
  readonly violations: readonly Violation[];
}

/**
 * Reads the latest loop of every name in `names` (a deleted Website's ended loop included) and checks it.
 * A name without a loop is skipped: the existence of loops is checked from the live Websites' `describe`.
 */
export async function checkHistories(
  client: Client,
  namespace: string,
  names: readonly string[],
): Promise<HistoryFigures> {
  let runs = 0;
  let applies = 0;
  let loops = 0;
  const violations: Violation[] = [];
  for (const name of names) {
    const workflowId = workflowIdFor(Website.ref(name, namespace));
    try {
      const history = await runsInHistory(client, workflowId);
      loops += 1;
      runs += history.length;
      applies += history.reduce((sum, run) => sum + run.applies.length, 0);
      assertEngineGuarantees(workflowId, history);
    } catch (error) {
      if (error instanceof EngineGuaranteeError)
        violations.push({ kind: 'engine-guarantee', detail: error.message });
      else if ((error as { name?: string }).name !== 'WorkflowNotFoundError')
        throw new Error(`could not read the history of ${workflowId}`, { cause: error });
    }
  }
  return { loops, runs, applies, violations };
}
