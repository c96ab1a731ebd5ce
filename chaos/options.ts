/** The chaos run's flags, read once at the entry point. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { freshSeed } from './prng.js';

export const HELP = `npm run chaos -- [--seed N] [--minutes M | --seconds S] [--sites N] [options]

Starts its own Temporal dev server (on a database file), Kubernetes control plane and DNS provider, runs
\`staircase worker\` and \`staircase watcher\` processes for the website example, and for the given time SIGKILLs
workers, watchers, Temporal and kube-apiserver while Websites are edited, deleted and recreated — all decided by
a PRNG seeded with --seed. Then it lets things settle and checks Kubernetes, the DNS provider and the Temporal
histories. Prints one line of figures; exits 1 naming every violation and the seed.

  --seed N            seed of every decision (default: random, printed first)
  --minutes M         length of the fault window (default 2)
  --seconds S         the same in seconds (wins over --minutes)
  --sites N           Websites created before the faults start (default 6)
  --workers N         staircase worker processes (default 2)
  --watchers N        staircase watcher processes, with leader election (default 2)
  --settle-seconds S  how long everything may take to converge after the faults stop (default 240)
  --work-dir DIR      where servers and processes write data and logs (default: a new temporary folder)`;

const OptionsSchema = z.object({
  seed: z.number().int().min(0),
  durationMs: z.number().int().min(1_000),
  sites: z.number().int().min(1).max(50),
  workers: z.number().int().min(1).max(8),
  watchers: z.number().int().min(1).max(4),
  settleMs: z.number().int().min(1_000),
  workDir: z.string().min(1).optional(),
});

/** What a chaos run is asked to do. */
export type ChaosOptions = z.output<typeof OptionsSchema>;

/**
 * The options from `argv`, or `undefined` after printing the help.
 * @throws {z.ZodError} naming the flag that is not a valid number.
 */
export function parseChaosOptions(argv: readonly string[]): ChaosOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' },
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      sites: { type: 'string' },
      workers: { type: 'string' },
      watchers: { type: 'string' },
      'settle-seconds': { type: 'string' },
      'work-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const number = (text: string | undefined, fallback: number) =>
    text === undefined ? fallback : Number(text);
  const seconds = values.seconds === undefined ? number(values.minutes, 2) * 60 : Number(values.seconds);
  return OptionsSchema.parse({
    seed: number(values.seed, freshSeed()),
    durationMs: Math.round(seconds * 1000),
    sites: number(values.sites, 6),
    workers: number(values.workers, 2),
    watchers: number(values.watchers, 2),
    settleMs: number(values['settle-seconds'], 240) * 1000,
    ...(values['work-dir'] ? { workDir: values['work-dir'] } : {}),
  });
}
