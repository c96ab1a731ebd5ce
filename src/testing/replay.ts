import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter.js';
import { engineWorkflowsPath } from '../worker/create-worker.js';
import { HistoryNotReplayableError, ReplayFailedError } from './errors.js';
import { repeatUntil } from './waits.js';

/** The outcome of replaying one history file. */
export interface ReplayResult {
  readonly history: string;
  /** Absent when the history replayed; otherwise why not (non-determinism names the diverging command). */
  readonly error?: string;
}

/** How long {@link recordHistory} waits for an execution that has just started to complete a workflow task. */
const FIRST_TASK_WAIT_MS = 10_000;

/**
 * Saves the current execution's history of `workflowId` as `<dir>/<file>.json` (the Temporal UI's and CLI's JSON
 * format) and returns the path. Commit these files and replay them in CI with {@link assertHistoriesReplay}.
 *
 * An execution that has just started (or continued as new) is waited for until it completed a workflow task, since
 * a history without one has nothing to replay.
 * @throws {HistoryNotReplayableError} when none completed within 10 s.
 */
export async function recordHistory(
  client: Client,
  workflowId: string,
  dir: string,
  file = workflowId.replace(/[^A-Za-z0-9.-]+/g, '_'),
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${file}.json`);
  const history = await replayableHistory(client, workflowId);
  await writeFile(path, `${historyToJSON(history)}\n`);
  return path;
}

async function replayableHistory(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  const history = await repeatUntil(async () => {
    const fetched = await handle.fetchHistory();
    return fetched.events?.some((event) => event.workflowTaskCompletedEventAttributes) ? fetched : undefined;
  }, FIRST_TASK_WAIT_MS);
  if (!history) throw new HistoryNotReplayableError(workflowId, FIRST_TASK_WAIT_MS);
  return history;
}

/** Options of {@link replayHistories} and {@link assertHistoriesReplay}. */
export interface ReplayOptions {
  /** The codec the histories were written with (encrypted histories); none by default. */
  readonly codec?: PayloadCodec;
}

/**
 * Replays every `*.json` history in `dir` (or the given files) against the engine's current workflow code, with
 * no server. A history recorded by an older version that fails here means running loops would break on upgrade.
 */
export async function replayHistories(
  dirOrFiles: string | readonly string[],
  options: ReplayOptions = {},
): Promise<ReplayResult[]> {
  const files =
    typeof dirOrFiles === 'string'
      ? (await readdir(dirOrFiles))
          .filter((name) => name.endsWith('.json'))
          .sort()
          .map((name) => join(dirOrFiles, name))
      : dirOrFiles;
  return replayNamedHistories(await historyFiles(files), options);
}

/** The histories in `files` (the Temporal UI's and CLI's JSON), each named after its file without `.json`. */
export function historyFiles(files: readonly string[]): Promise<NamedHistory[]> {
  return Promise.all(
    files.map(async (file) => ({
      workflowId: basename(file, '.json'),
      history: historyFromJSON(JSON.parse(await readFile(file, 'utf8'))),
    })),
  );
}

/** One history to replay, named as a result names it. */
export interface NamedHistory {
  readonly workflowId: string;
  readonly history: Parameters<typeof Worker.runReplayHistory>[1];
}

/** Options of {@link replayLoops}. */
export interface LoopReplayOptions extends ReplayOptions {
  /** The engine's workflow code, bundled (`engineBundle()`), to spare bundling it again; default its sources. */
  readonly workflowBundle?: ReplayWorkerOptions['workflowBundle'];
}

/**
 * Fetches the history of every loop execution a visibility `query` lists (each run of a loop that continued as
 * new is its own history) and replays them against the engine's current workflow code.
 *
 * Guarantees: an execution that has not completed a workflow task yet is skipped (nothing to replay); one whose
 * last workflow task is still in progress replays up to it. Caveats: visibility lags the server by up to a second,
 * so a loop started just before the call may be missed.
 */
export async function replayLoops(
  client: Client,
  query: string,
  options: LoopReplayOptions = {},
): Promise<ReplayResult[]> {
  const histories = await executionHistories(client, query);
  return histories.length === 0 ? [] : replayNamedHistories(histories, options);
}

/**
 * The history of every execution a visibility `query` lists that completed a workflow task, each named
 * `<workflow ID> (run <run ID>)`: every run of a workflow that continued as new, not its latest run again.
 */
export async function executionHistories(client: Client, query: string): Promise<NamedHistory[]> {
  const histories: NamedHistory[] = [];
  for await (const execution of client.workflow.list({ query })) {
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    const history = await handle.fetchHistory();
    if (history.events?.some((event) => event.workflowTaskCompletedEventAttributes))
      histories.push({ workflowId: `${execution.workflowId} (run ${execution.runId})`, history });
  }
  return histories;
}

/**
 * Replays `histories` against the engine's workflow code (`options.workflowBundle`, else its sources), one result
 * each, in order: what {@link replayHistories}, {@link replayLoops} and `staircase replay` share.
 */
export async function replayNamedHistories(
  histories: readonly NamedHistory[],
  options: LoopReplayOptions,
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  const dataConverter = dataConverterFor(options.codec);
  const replayer: ReplayWorkerOptions = {
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: engineWorkflowsPath() }),
    ...(dataConverter ? { dataConverter } : {}),
  };
  for await (const result of Worker.runReplayHistories(replayer, histories)) {
    results.push(
      result.error
        ? { history: result.workflowId, error: result.error.message }
        : { history: result.workflowId },
    );
  }
  return results;
}

/**
 * Replays histories like {@link replayHistories} and throws when any fails or none was found.
 *
 * @throws {ReplayFailedError} listing each history that does not replay and why.
 */
export async function assertHistoriesReplay(
  dirOrFiles: string | readonly string[],
  options: ReplayOptions = {},
): Promise<number> {
  const results = await replayHistories(dirOrFiles, options);
  if (results.length === 0)
    throw new ReplayFailedError([{ history: String(dirOrFiles), message: 'no history files found' }]);
  throwIfAnyFailed(results);
  return results.length;
}

/**
 * Throws when any of `results` did not replay.
 *
 * @throws {ReplayFailedError} listing each history that does not replay and why.
 */
export function throwIfAnyFailed(results: readonly ReplayResult[]): void {
  const failures = results.flatMap((r) => (r.error ? [{ history: r.history, message: r.error }] : []));
  if (failures.length > 0) throw new ReplayFailedError(failures);
}
