import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One run as seen in a workflow's history. */
export interface RunInHistory {
  /** Summaries of the `applyStep` activities scheduled in the run ("apply ensure-a"). */
  readonly applies: string[];
  /** Summaries of the local activities the run recorded ("check gate", "record run"). */
  readonly localActivities: string[];
}

const decoder = new TextDecoder();

/** The one-line summary Temporal stores in an event's user metadata. */
export function summaryOf(event: HistoryEvent): string {
  const data = event.userMetadata?.summary?.data;
  return data ? (JSON.parse(decoder.decode(data)) as string) : '';
}

/** Every event of a workflow's current run. */
export async function historyEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/**
 * Splits a workflow's history into runs: a run starts with the `prepare run N` (or `evaluate run N`) local activity. Lists each run's
 * applies and local activities.
 */
export async function runsInHistory(client: Client, workflowId: string): Promise<RunInHistory[]> {
  const runs: RunInHistory[] = [];
  for (const event of await historyEvents(client, workflowId)) {
    const summary = summaryOf(event);
    if (event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED) {
      if (/^(prepare|evaluate) run/.test(summary)) runs.push({ applies: [], localActivities: [] });
      runs.at(-1)?.localActivities.push(summary);
    }
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) runs.at(-1)?.applies.push(summary);
  }
  return runs;
}

/** The activity type a local activity's marker records (`prepareRun`, `check gate`); '' for any other event. */
export function localActivityTypeOf(event: HistoryEvent): string {
  if (event.eventType !== EventType.EVENT_TYPE_MARKER_RECORDED) return '';
  const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  return data ? ((JSON.parse(decoder.decode(data)) as { activity_type?: string }).activity_type ?? '') : '';
}

/** Summaries of the timers a workflow started, in order: the loop labels each with the last run's verdict. */
export function timerSummaries(events: readonly HistoryEvent[]): string[] {
  return events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED).map(summaryOf);
}
