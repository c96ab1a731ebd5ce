import {
  executionHistories,
  historyFiles,
  type NamedHistory,
  replayNamedHistories,
} from '../../testing/replay.js';
import { RECONCILE_WORKFLOW_TYPE } from '../../workflows/contract.js';
import { connectClient, type TemporalSettings, temporalSettings } from '../connections.js';
import { UsageError } from '../errors.js';
import { parseFlags, TEMPORAL_FLAGS, TEMPORAL_HELP, validated } from '../parse.js';

const HELP = `staircase replay FILE...
staircase replay --workflow-id ID | --query 'VISIBILITY QUERY' [temporal flags]

Replays workflow histories (JSON files as the Temporal UI and CLI export them, or fetched from a server) against the
current workflow code, and reports any non-determinism. Exits 1 if any history fails. Needs no --operator: the
workflow code is the engine's, the same for every operator (operator code runs only in activities).
  --workflow-id ID   fetch one resource's history (e.g. websites.example.staircase.dev/default/blog)
  --query QUERY      fetch the histories of every loop matching a visibility query (e.g. 'StaircaseKind = "Website"')

${TEMPORAL_HELP}`;

async function fromServer(
  values: Record<string, string | boolean | undefined>,
  settings: TemporalSettings,
): Promise<NamedHistory[]> {
  const client = await connectClient(settings);
  try {
    const workflowId = values['workflow-id'];
    // Await here: the connection closes in `finally`.
    if (typeof workflowId === 'string')
      return [{ workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() }];
    return await executionHistories(
      client,
      `WorkflowType = "${RECONCILE_WORKFLOW_TYPE}" AND (${values.query as string})`,
    );
  } finally {
    await client.connection.close();
  }
}

/** `staircase replay`: replays histories against the current workflow code. */
export const replayCommand = {
  summary: 'replay histories (files or from a server) against the current workflow code',
  async run(argv: string[]): Promise<number> {
    const flags = { 'workflow-id': { type: 'string' }, query: { type: 'string' } } as const;
    const parsed = parseFlags(argv, { ...flags, ...TEMPORAL_FLAGS }, HELP, true);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const fromServerAsked = values['workflow-id'] !== undefined || values.query !== undefined;
    if (fromServerAsked === positionals.length > 0)
      throw new UsageError('give history files, or --workflow-id / --query, not both');
    // Encrypted histories (files too) replay with the same codec keys as the workers that wrote them.
    const settings = validated('Temporal settings', () => temporalSettings(values, process.env));
    const histories = fromServerAsked ? await fromServer(values, settings) : await historyFiles(positionals);
    if (histories.length === 0) throw new UsageError('no histories matched');
    const results = await replayNamedHistories(histories, settings.codec ? { codec: settings.codec } : {});
    for (const { history, error } of results)
      process.stdout.write(`${error ? 'FAIL' : 'ok  '} ${history}${error ? `: ${error}` : ''}\n`);
    const failed = results.filter((result) => result.error).length;
    process.stdout.write(`${histories.length - failed} passed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  },
};
