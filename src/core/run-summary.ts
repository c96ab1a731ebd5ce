import type { WakeDecision } from './loop.js';
import type { RunReport, StepRecord } from './outcome.js';

/**
 * Words for people reading a resource's runs in the Temporal UI: one line per run (the label of the timer the loop
 * sleeps on after it) and a Markdown table of the last run's steps (the workflow's current details).
 *
 * Pure and workflow-safe: no clock, no I/O.
 */

/** The mark of a step's result: passed ✓, fixed ✎ (its apply ran), waiting ⏸, failed ✗. */
export const STEP_MARKS: Readonly<Record<StepRecord['result'], string>> = {
  passed: '✓',
  fixed: '✎',
  waiting: '⏸',
  failed: '✗',
};

const MAX_REASON = 60;

/** `reason` cut to one short line. */
export function shortReason(reason: string, max = MAX_REASON): string {
  const line = reason.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** One step with its mark, and what it found unless it passed: `✎ ensure-a (created ConfigMap three-a)`. */
export function stepMark(step: StepRecord): string {
  const found = step.result !== 'passed' && step.reason ? ` (${shortReason(step.reason)})` : '';
  return `${STEP_MARKS[step.result]} ${step.step}${found}`;
}

/** When the next run comes, for people: `next run in 0.2 s`, `next run in 3600 s or on change`. */
export function nextRunText(wake: WakeDecision): string {
  const change = wake.wakeOnChange ? ' or on change' : '';
  const seconds = wake.delayMs / 1000;
  const shown = seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds);
  return `next run in ${shown} s${change}`;
}

/**
 * One line for a run, most telling first (the UI cuts long labels): the outcome, the step the run stopped at with
 * what it found, the steps that passed before it, and when the next run comes.
 * `run 3 modified at ✎ ensure-a (created ConfigMap three-a) after ✓ validate ✓ gate; next run in 2 s`.
 */
export function runSummary(report: RunReport, wake?: WakeDecision): string {
  const { outcome, steps } = report;
  const flapping = wake?.flapping ? ' (flapping, backing off)' : '';
  const passed = steps.filter((s) => s.result === 'passed').map(stepMark);
  const stopped = steps.find((s) => s.result !== 'passed');
  let body: string;
  if (stopped) body = ` at ${stepMark(stopped)}${passed.length > 0 ? ` after ${passed.join(' ')}` : ''}`;
  else if (passed.length > 0) body = `: ${passed.join(' ')}`;
  // No step ran (invalid spec, object gone, prepare failed): the outcome's own reason says what happened.
  else body = 'reason' in outcome ? `: ${shortReason(outcome.reason)}` : '';
  const next = wake && outcome.kind !== 'deleted' ? `; ${nextRunText(wake)}` : '';
  return `run ${report.runNumber} ${outcome.kind}${flapping}${body}${next}`;
}

/** The last run as a Markdown table (step, verdict, and what it found when any step said), for current details. */
export function runTable(report: RunReport): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const found = report.steps.some((s) => s.reason);
  const header = `| run ${report.runNumber} (generation ${report.generation}) | verdict |${found ? ' found |' : ''}`;
  const rows = report.steps.map((s) => {
    const reason = found ? ` ${cell(shortReason(s.reason ?? ''))} |` : '';
    return `| ${cell(s.step)} | ${STEP_MARKS[s.result]} ${s.result} |${reason}`;
  });
  if (rows.length === 0) return '';
  return [header, `| --- | --- |${found ? ' --- |' : ''}`, ...rows].join('\n');
}
