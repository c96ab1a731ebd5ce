/** The bench's flags, read once at the entry point. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_LOOP_CONFIG } from '../src/core/loop.js';

const DEFAULT_RESYNC_HOURS = DEFAULT_LOOP_CONFIG.resyncIntervalMs / 3_600_000;

export const HELP = `npm run bench -- [--n 300,1000] [--quick] [--idle 10000] [--idle-minutes 5] [options]

Starts the real servers (Temporal dev server, etcd, kube-apiserver) and measures, in one run, the greeting operator
on Staircase (production \`staircase worker\` and \`staircase watcher\`, compiled), an in-process informer +
work-queue controller on the same client, and the raw-write floor.

  --n LIST             burst sizes (default 300,1000; --quick: 20)
  --quick              small and fast, for CI: N=20, 10 edits, no idle phase, results under bench/results/
  --idle COUNT         idle phase with COUNT converged resources (default 10000; --quick: 0 = none)
  --idle-minutes M     length of the idle window (default 5; the issue's memory target asks for 30)
  --idle-resync-minutes R
                       the idle phase's loops resync every R minutes (less up to 10 %) instead of the default
                       (${DEFAULT_RESYNC_HOURS} h, so that no resync falls in the window): what resyncs cost at rest
  --edits K            edit→child samples per system (default 50; --quick: 10)
  --workers W          the in-process controller's workers (default 4)
  --out FILE           JSON results (default docs/performance/results.json; --quick: bench/results/quick.json)
  --docs / --no-docs   regenerate docs/performance.md's figures (default on, off with --quick)
  --no-build           use dist/ as it is`;

const OptionsSchema = z.object({
  sizes: z.array(z.number().int().positive()).min(1),
  quick: z.boolean(),
  idle: z.number().int().min(0),
  idleMinutes: z.number().positive(),
  idleResyncMinutes: z.number().positive().optional(),
  edits: z.number().int().min(1),
  workers: z.number().int().positive(),
  out: z.string().min(1),
  docs: z.boolean(),
  build: z.boolean(),
});

export type BenchOptions = z.output<typeof OptionsSchema>;

/** The options, or `undefined` after printing the help. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      n: { type: 'string' },
      quick: { type: 'boolean', default: false },
      idle: { type: 'string' },
      'idle-minutes': { type: 'string' },
      'idle-resync-minutes': { type: 'string' },
      edits: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const quick = values.quick;
  const number = (text: string | undefined, fallback: number) =>
    text === undefined ? fallback : Number(text);
  const optionalNumber = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  return OptionsSchema.parse({
    sizes: (values.n ?? (quick ? '20' : '300,1000')).split(',').filter(Boolean).map(Number),
    quick,
    idle: number(values.idle, quick ? 0 : 10_000),
    idleMinutes: number(values['idle-minutes'], 5),
    idleResyncMinutes: optionalNumber(values['idle-resync-minutes']),
    edits: number(values.edits, quick ? 10 : 50),
    workers: number(values.workers, 4),
    out: values.out ?? (quick ? 'bench/results/quick.json' : 'docs/performance/results.json'),
    docs: values['no-docs'] ? false : (values.docs ?? !quick),
    build: !values['no-build'],
  });
}
