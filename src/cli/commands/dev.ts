import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import type { ResourceRef } from '../../core/resource-ref.js';
import { devWorkerLogger, parseLogLevel } from '../dev-logger.js';
import { describeAll, progressLine } from '../dev-progress.js';
import { type DevSession, type Stop, startDevSession } from '../dev-session.js';
import { UsageError } from '../errors.js';
import { type LoadedOperators, loadOperators, operatorHelp, operatorPaths } from '../load-operator.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase dev --operator MODULE [--exit-when-ready] [--timeout S] [--kube-context NAME] [--work-dir DIR]
                     [--log-level LEVEL]

Starts the Temporal dev server with its web UI and a local Kubernetes control plane (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and a kwok node) — or uses your kube context — installs the CRD, runs the
worker and the watcher in this process, applies the operator's sample resources (its \`dev\` export) and shows their
progress. Several operators (several --operator flags, or a module exporting an array) run side by side. Prints the Temporal UI link, the kubeconfig and a kubectl line. Ctrl-C stops everything.
${operatorHelp(22)}
  --exit-when-ready   exit 0 once every sample is Ready; non-zero naming the stuck ones on timeout
  --timeout S         seconds to wait with --exit-when-ready (default 300)
  --kube-context NAME use this context of your kubeconfig instead of starting a control plane
  --work-dir DIR      keep the servers' data and logs in DIR (default: a temporary folder, removed on exit)
  --log-level LEVEL   error, warn (default), info or debug; debug adds stack traces of failed activities`;

const FLAGS = {
  operator: { type: 'string', multiple: true },
  'exit-when-ready': { type: 'boolean' },
  timeout: { type: 'string' },
  'kube-context': { type: 'string' },
  'work-dir': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

const log = (message: string) => process.stdout.write(`${message}\n`);

/** `staircase dev`: everything on an embedded default. */
export const devCommand = {
  summary: 'run everything locally: Temporal with UI, Kubernetes, worker, watcher and the samples',
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags(argv, FLAGS, HELP);
    if (!parsed) return 0;
    const { values } = parsed;
    const timeoutS = Number(values.timeout ?? 300);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0)
      throw new UsageError(`--timeout "${values.timeout}" is not a number of seconds`);
    const logLevel = parseLogLevel(values['log-level']);
    const modulePaths = operatorPaths(values.operator);
    // Before any worker or connection exists: one line per worker log entry, stack traces only at debug level.
    Runtime.install({ logger: devWorkerLogger(logLevel, (text) => process.stdout.write(text)) });
    const loaded = await loadOperators(modulePaths);
    const stops: Stop[] = [];
    const workDir = await prepareWorkDir(values['work-dir'], stops);
    const interrupted = new Promise<number>((resolveCode) => {
      const onSignal = () => resolveCode(130);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    try {
      const started = startDevSession({
        loaded,
        kubeContext: values['kube-context'],
        workDir,
        logLevel,
        log,
        stops,
      });
      // Interrupted while starting: what is still starting fails as it is stopped; that is expected.
      started.catch(() => {});
      const session = await Promise.race([started, interrupted]);
      if (typeof session === 'number') return session;
      const watching = watchProgress(session, loaded, values['exit-when-ready'] === true, timeoutS);
      return await Promise.race([watching, interrupted]);
    } finally {
      log('stopping…');
      for (const stop of stops.reverse()) await stop().catch(() => {});
    }
  },
};

/** The folder for the servers: the user's (kept), or a temporary one removed when `dev` stops. */
async function prepareWorkDir(given: string | undefined, stops: Stop[]): Promise<string> {
  if (given) {
    const dir = resolve(given);
    await mkdir(dir, { recursive: true });
    return dir;
  }
  const dir = await mkdtemp(join(tmpdir(), 'staircase-dev-'));
  // First in, so last out: removed once every server has stopped.
  stops.push(async () => {
    await rm(dir, { recursive: true, force: true });
    log(`removed ${dir}`);
  });
  return dir;
}

async function watchProgress(
  session: DevSession,
  loaded: LoadedOperators,
  exitWhenReady: boolean,
  timeoutS: number,
): Promise<number> {
  const deadline = Date.now() + timeoutS * 1000;
  const shown = new Map<ResourceRef, string>();
  const kinds = loaded.operators.map((operator) => operator.kind.kind).join(' and ');
  if (session.refs.length === 0)
    log(`no samples in the operator module; create ${kinds} resources to see them reconciled`);
  for (;;) {
    const descriptions = await describeAll(session.client, session.refs);
    for (const [ref, description] of descriptions) {
      const line = progressLine(ref, description);
      if (shown.get(ref) !== line) log(line);
      shown.set(ref, line);
    }
    const ready = [...descriptions.values()].every((d) => d?.lastRun?.outcome.kind === 'converged');
    if (exitWhenReady && ready) {
      log(`every ${kinds} is Ready`);
      return 0;
    }
    if (exitWhenReady && Date.now() > deadline) {
      const stuck = [...descriptions].filter(([, d]) => d?.lastRun?.outcome.kind !== 'converged');
      log(
        `timed out after ${timeoutS} s; not Ready: ${stuck.map(([ref, d]) => progressLine(ref, d)).join('; ')}`,
      );
      return 1;
    }
    await new Promise((resolveLater) => setTimeout(resolveLater, 1_000));
  }
}
