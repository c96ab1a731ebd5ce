import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { CHECK_ACTIVITY } from '../../src/core/activity-contract.js';
import { LOOP_REVISION_4_PATCH, LOOP_REVISION_5_PATCH } from '../../src/workflows/reconcile-workflow.js';
import { engineBundle, HISTORIES_DIR, quietLogger } from '../support/engine.js';
import { localActivityTypeOf, patchIdOf, summaryOf } from '../support/history.js';

async function committedHistories() {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(await readFile(join(HISTORIES_DIR, file), 'utf8'))),
    })),
  );
}

/** The longest byte array anywhere inside `value` (payload data in a decoded history). */
function largestBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (value === null || typeof value !== 'object') return 0;
  return Math.max(0, ...Object.values(value).map(largestBytes));
}

describe('replaying recorded histories', () => {
  it('replays every committed history against the current workflow code', async () => {
    const histories = await committedHistories();
    expect(histories.length).toBeGreaterThanOrEqual(10);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await engineBundle() },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  it('cover checks named `checkStep` and checks named by their step (the two sides of the patch)', async () => {
    const namings = new Set<string>();
    for (const { history } of await committedHistories()) {
      for (const type of (history.events ?? []).map(localActivityTypeOf)) {
        if (type === CHECK_ACTIVITY.legacy) namings.add('legacy');
        if (type.startsWith(CHECK_ACTIVITY.prefix)) namings.add('step-named');
      }
    }
    expect([...namings].sort()).toEqual(['legacy', 'step-named']);
  });

  it('cover applies followed by `confirmRun` and applies that confirm themselves (the two sides of the patch)', async () => {
    const sides = new Set<string>();
    for (const { history } of await committedHistories()) {
      for (const event of history.events ?? []) {
        if (localActivityTypeOf(event) === 'confirmRun') sides.add('confirm after');
        if (/^apply .+ and confirm run \d+$/.test(summaryOf(event))) sides.add('apply and confirm');
      }
    }
    expect([...sides].sort()).toEqual(['apply and confirm', 'confirm after']);
  });

  it('cover loops asking their patches one by one and loops asking staircase-loop-4 or -5 alone (one marker for all)', async () => {
    const asked = new Set<string>();
    for (const { history } of await committedHistories()) {
      const patches = (history.events ?? []).map(patchIdOf).filter((id) => id !== undefined);
      const revision = [LOOP_REVISION_5_PATCH, LOOP_REVISION_4_PATCH].find((patch) =>
        patches.includes(patch),
      );
      if (revision) {
        // A loop of the fourth revision or later records no other patch, whatever its runs did (deletion too).
        expect(patches).toEqual([revision]);
        asked.add(revision);
      } else if (patches.length > 0) asked.add('one by one');
    }
    expect([...asked].sort()).toEqual(['one by one', LOOP_REVISION_4_PATCH, LOOP_REVISION_5_PATCH].sort());
  });

  it('stay far from Temporal limits: small payloads, short histories', async () => {
    let largestPayload = 0;
    let longestHistory = 0;
    for (const { history } of await committedHistories()) {
      longestHistory = Math.max(longestHistory, history.events?.length ?? 0);
      largestPayload = Math.max(largestPayload, largestBytes(history));
    }
    console.log(
      `[budget] recorded histories: longest ${longestHistory} events, largest payload ${largestPayload} bytes`,
    );
    expect(longestHistory).toBeLessThan(4_096);
    expect(largestPayload).toBeLessThan(8 * 1024);
  });

  it('detects a non-deterministic change to the workflow code', async () => {
    const [first] = await committedHistories();
    if (!first) throw new Error('no committed histories: run `npm run histories:record`');
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/changed-workflow.ts', import.meta.url)),
      logger: quietLogger,
    });
    const error = await Worker.runReplayHistory(
      { workflowBundle: changed },
      first.history,
      first.workflowId,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeterminismViolationError);
  });
});
