/** Temporal's view of the Staircase run: history events per resource, across continue-as-new. */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { workflowIdFor } from '../src/core/resource-ref.js';
import { forEachLimited, GROUP, PLURAL, VERSION } from './greetings.js';

const { EventType } = proto.temporal.api.enums.v1;

/** History of one resource's loop: events and workflow tasks over every run of it. */
export interface LoopHistory {
  readonly events: number;
  readonly workflowTasks: number;
  readonly executions: number;
}

async function loopHistory(client: Client, workflowId: string): Promise<LoopHistory> {
  let events = 0;
  let workflowTasks = 0;
  let executions = 0;
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const list = history.events ?? [];
    events += list.length;
    executions += 1;
    workflowTasks += list.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
    runId = list[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) break;
  }
  return { events, workflowTasks, executions };
}

/** Mean and max over the loops of `names` (Greetings in `namespace`). */
export interface HistoryFigures {
  readonly eventsMean: number;
  readonly eventsMax: number;
  readonly workflowTasksMean: number;
}

export async function historyFigures(
  client: Client,
  namespace: string,
  names: readonly string[],
): Promise<HistoryFigures> {
  const loops: LoopHistory[] = [];
  await forEachLimited(names.length, 16, async (index) => {
    const name = names[index] as string;
    const ref = { group: GROUP, version: VERSION, kind: 'Greeting', plural: PLURAL, namespace, name };
    loops.push(await loopHistory(client, workflowIdFor(ref)));
  });
  const mean = (pick: (l: LoopHistory) => number) => loops.reduce((s, l) => s + pick(l), 0) / loops.length;
  return {
    eventsMean: mean((l) => l.events),
    eventsMax: Math.max(...loops.map((l) => l.events)),
    workflowTasksMean: mean((l) => l.workflowTasks),
  };
}

/** Ends the loops of `names` (after their phase), so their timers do not keep Temporal busy in later phases. */
export async function terminateLoops(
  client: Client,
  namespace: string,
  names: readonly string[],
): Promise<void> {
  await forEachLimited(names.length, 16, async (index) => {
    const name = names[index] as string;
    const ref = { group: GROUP, version: VERSION, kind: 'Greeting', plural: PLURAL, namespace, name };
    await client.workflow
      .getHandle(workflowIdFor(ref))
      .terminate('benchmark phase over')
      .catch(() => undefined);
  });
}
