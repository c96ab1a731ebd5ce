import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One run as seen in a workflow's history. */
export interface RunInHistory {
  /** Summaries of the applies in the run ("apply ensure-a"): local ones and scheduled `applyStep` activities. */
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
 * Splits a workflow's history into runs: a run starts with the `prepare run N` (or `evaluate run N`) local activity,
 * or — a run that follows a progressed one at once, from its confirming reads — with an apply or check right after
 * the confirming reads (`confirm run N …`, or an apply that confirmed itself: `apply <step> and confirm run N`).
 * Lists each run's applies and local activities.
 */
export async function runsInHistory(client: Client, workflowId: string): Promise<RunInHistory[]> {
  const runs: RunInHistory[] = [];
  let last = '';
  for (const event of await historyEvents(client, workflowId)) {
    const summary = summaryOf(event);
    const marker = event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED;
    const scheduled = event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED;
    if (!marker && !scheduled) continue;
    const afterConfirm = /(^|and )confirm run/.test(last);
    if (/^(prepare|evaluate) run/.test(summary) || (afterConfirm && /^(apply|check) /.test(summary)))
      runs.push({ applies: [], localActivities: [] });
    if (scheduled || /^apply /.test(summary)) runs.at(-1)?.applies.push(summary);
    else runs.at(-1)?.localActivities.push(summary);
    last = summary;
  }
  return runs;
}

/** What a local activity's marker says of it: its type (`evaluateRun`, `apply ensure-a`) and attempt. */
export interface LocalActivityMarker {
  readonly activity_type?: string;
  readonly attempt?: number;
}

/** The marker data of a local activity; undefined for any other event. */
export function localActivityMarkerOf(event: HistoryEvent): LocalActivityMarker | undefined {
  if (event.eventType !== EventType.EVENT_TYPE_MARKER_RECORDED) return undefined;
  const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  return data ? (JSON.parse(decoder.decode(data)) as LocalActivityMarker) : undefined;
}

/** The activity type a local activity's marker records (`prepareRun`, `check gate`); '' for any other event. */
export function localActivityTypeOf(event: HistoryEvent): string {
  return localActivityMarkerOf(event)?.activity_type ?? '';
}

/** Summaries of the timers a workflow started, in order: the loop labels each with the last run's verdict. */
export function timerSummaries(events: readonly HistoryEvent[]): string[] {
  return events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED).map(summaryOf);
}

/** The patch a `core_patch` marker records (`staircase-loop-2`); undefined for any other event. */
export function patchIdOf(event: HistoryEvent): string | undefined {
  if (event.markerRecordedEventAttributes?.markerName !== 'core_patch') return undefined;
  const data = event.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0]?.data;
  return data ? (JSON.parse(decoder.decode(data)) as { id: string }).id : undefined;
}
