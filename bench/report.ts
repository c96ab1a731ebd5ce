/** The bench's output: the table (console and docs), the JSON shape, and the figures section of the docs. */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BurstResult, SystemName } from './burst.js';
import { burstChart } from './chart.js';
import type { IdleResult } from './idle.js';
import type { Machine } from './proc.js';

/** Everything one `npm run bench` measured: the JSON file's shape. */
export interface BenchResults {
  readonly version: 1;
  readonly startedAt: string;
  readonly durationS: number;
  readonly command: string;
  readonly machine: Machine;
  readonly settings: {
    readonly sizes: readonly number[];
    readonly edits: number;
    readonly inProcessWorkers: number;
    readonly idleResources: number;
    readonly idleMinutes: number;
    readonly idleResyncMinutes?: number;
  };
  readonly bursts: readonly BurstResult[];
  readonly idle?: IdleResult;
}

const DOCS = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
const CHART = fileURLToPath(new URL('../docs/performance/burst.svg', import.meta.url));
const START = '<!-- bench:figures:start -->';
const END = '<!-- bench:figures:end -->';
const SYSTEMS: readonly SystemName[] = ['staircase', 'inProcess', 'floor'];

const num = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
/** Below this a baseline figure is a process idling beside the system under test (Temporal beside the controller). */
const NOISE_FLOOR = 0.5;
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !(b >= NOISE_FLOOR) ? '—' : `${(a / b).toFixed(2)}×`;

/** One Markdown table per N: each figure for the three systems, and Staircase's ratios to the other two. */
export function burstTable(bursts: readonly BurstResult[], n: number): string {
  const of = Object.fromEntries(SYSTEMS.map((s) => [s, bursts.find((b) => b.n === n && b.system === s)]));
  const rows: string[][] = [];
  const row = (label: string, pick: (b: BurstResult) => number | undefined, digits = 0) => {
    const [s, i, f] = SYSTEMS.map((name) => (of[name] ? pick(of[name]) : undefined));
    rows.push([label, num(s, digits), num(i, digits), num(f, digits), ratio(s, i), ratio(s, f)]);
  };
  row('burst: all Ready (s)', (b) => b.burstMs / 1000, 2);
  row('CPU per resource, all processes (ms)', (b) => b.cpuMsPerResource.total, 1);
  const processes = new Set(
    bursts.flatMap((b) => Object.keys(b.cpuMsPerResource)).filter((p) => p !== 'total'),
  );
  for (const p of processes) row(`CPU per resource: ${p} (ms)`, (b) => b.cpuMsPerResource[p], 1);
  row('edit → child p50 (ms)', (b) => b.edit?.p50Ms, 0);
  row('edit → child p99 (ms)', (b) => b.edit?.p99Ms, 0);
  for (const p of processes) row(`peak RSS: ${p} (MB)`, (b) => b.peakRssMb[p], 0);
  row('history events per new resource (mean)', (b) => b.history?.eventsMean, 1);
  row('history events per new resource (max)', (b) => b.history?.eventsMax, 0);
  row('workflow tasks per new resource', (b) => b.perResource?.workflowTasks, 1);
  row('loop runs per new resource', (b) => b.perResource?.runs, 1);
  const header = [
    `N = ${n}`,
    'Staircase',
    'in-process',
    'floor',
    'Staircase / in-process',
    'Staircase / floor',
  ];
  return markdownTable(header, rows);
}

export function idleTable(idle: IdleResult): string {
  const rows = [
    ['converge: all Ready (s)', num(idle.convergeMs / 1000, 0)],
    ['cores in use on average', num(idle.coresAverage, 3)],
    ['loop runs per minute', num(idle.runsPerMinute, 0)],
    ['workflow tasks per minute', num(idle.workflowTasksPerMinute, 0)],
    ...Object.entries(idle.cpuMsPerMinute).map(([p, ms]) => [`CPU: ${p} (ms per minute)`, num(ms, 0)]),
    ...Object.entries(idle.rssMb).map(([p, m]) => [
      `RSS: ${p} (MB, start → end, max)`,
      `${num(m.start)} → ${num(m.end)}, max ${num(m.max)}`,
    ]),
  ];
  const resync =
    idle.resyncMinutes === undefined ? 'default resync' : `resync every ${idle.resyncMinutes} min`;
  return markdownTable(
    [`${idle.resources} idle resources, ${idle.windowMinutes} min, ${resync}`, 'Staircase'],
    rows,
  );
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function printTable(results: BenchResults): void {
  for (const n of results.settings.sizes) console.log(`\n${burstTable(results.bursts, n)}`);
  if (results.idle) console.log(`\n${idleTable(results.idle)}`);
  console.log('');
}

function figures(results: BenchResults, json: string): string {
  const m = results.machine;
  const lines = [
    START,
    '## Figures',
    '',
    `Measured ${results.startedAt.slice(0, 10)} in ${Math.round(results.durationS / 60)} min on ${m.cpus} CPUs ` +
      `(${m.cpuModel}), ${m.memoryGb} GB memory, Linux ${m.kernel}, Node ${m.node}, with:`,
    '',
    '```sh',
    results.command,
    '```',
    '',
    `Raw figures: [${json}](${json}).`,
    '',
    '![Seconds until N new Greetings are all Ready, by system](performance/burst.svg)',
    '',
  ];
  for (const n of results.settings.sizes) lines.push(burstTable(results.bursts, n), '');
  if (results.idle) lines.push(idleTable(results.idle), '');
  lines.push(END);
  return lines.join('\n');
}

/** Regenerates the figures section of docs/performance.md and its chart; returns the files written. */
export async function writeDocs(results: BenchResults, jsonFile: string): Promise<string[]> {
  const text = await readFile(DOCS, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOCS} has no ${START} … ${END} section to regenerate`);
  await writeFile(
    DOCS,
    `${text.slice(0, start)}${figures(results, relative(dirname(DOCS), jsonFile))}${text.slice(end + END.length)}`,
  );
  await writeFile(CHART, burstChart(results.bursts));
  return [DOCS, CHART];
}

/** The chart alone, for runs that do not touch the docs. */
export async function writeChart(results: BenchResults, file: string): Promise<void> {
  await writeFile(file, burstChart(results.bursts));
}
