import { workflowIdFor } from '../../core/resource-ref.js';
import { describeQuery, pauseSignal, reconcileNowUpdate, resumeSignal } from '../../workflows/contract.js';
import { connectClient, temporalSettings } from '../connections.js';
import { loadOperator } from '../load-operator.js';
import { parseFlags, parseTarget, TEMPORAL_FLAGS, TEMPORAL_HELP, validated } from '../parse.js';

type Action = 'status' | 'reconcile' | 'pause' | 'resume';

const SUMMARIES: Record<Action, string> = {
  status: "print a resource's loop: phase, run, current step, last run, next run",
  reconcile: 'run one run now and print its outcome',
  pause: 'stop runs (and modifications) of a resource until resumed',
  resume: 'resume a paused resource; a run follows at once',
};

async function run(action: Action, argv: string[]): Promise<number> {
  const help = `staircase ${action} NAMESPACE/NAME [--operator MODULE] [temporal flags]\n\n${SUMMARIES[action]}.\n\n${TEMPORAL_HELP}`;
  const parsed = parseFlags(argv, { operator: { type: 'string' }, ...TEMPORAL_FLAGS }, help, true);
  if (!parsed) return 0;
  const target = parseTarget(parsed.positionals[0]);
  const operator = await loadOperator(parsed.values.operator);
  const client = await connectClient(
    validated('Temporal settings', () => temporalSettings(parsed.values, process.env)),
  );
  try {
    const handle = client.workflow.getHandle(workflowIdFor(operator.kind.ref(target.name, target.namespace)));
    if (action === 'status') print(await handle.query(describeQuery));
    if (action === 'reconcile') print(await handle.executeUpdate(reconcileNowUpdate));
    if (action === 'pause') await handle.signal(pauseSignal);
    if (action === 'resume') await handle.signal(resumeSignal);
    if (action === 'pause' || action === 'resume') process.stdout.write(`${action}d ${handle.workflowId}\n`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const command = (action: Action) => ({
  summary: SUMMARIES[action],
  run: (argv: string[]) => run(action, argv),
});

/** `staircase status NS/NAME`. */
export const statusCommand = command('status');
/** `staircase reconcile NS/NAME`. */
export const reconcileCommand = command('reconcile');
/** `staircase pause NS/NAME`. */
export const pauseCommand = command('pause');
/** `staircase resume NS/NAME`. */
export const resumeCommand = command('resume');
