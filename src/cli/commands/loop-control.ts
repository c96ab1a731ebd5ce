import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { displayName, workflowIdFor } from '../../core/resource-ref.js';
import { describeQuery, pauseSignal, reconcileNowUpdate, resumeSignal } from '../../workflows/contract.js';
import {
  connectClient,
  explainAccessDenied,
  type TemporalSettings,
  temporalSettings,
} from '../connections.js';
import { innermostMessage, LoopNotFoundError, RequestRejectedError, UsageError } from '../errors.js';
import { type FoundLoop, findLoop } from '../find-loop.js';
import { loadOperator } from '../load-operator.js';
import { parseFlags, parseTarget, TEMPORAL_FLAGS, TEMPORAL_HELP, validated } from '../parse.js';

type Action = 'status' | 'reconcile' | 'pause' | 'resume';

const SUMMARIES: Record<Action, string> = {
  status: "print a resource's loop: phase, run, current step, last run, next run",
  reconcile: 'run one run now and print its outcome',
  pause: 'stop runs (and modifications) of a resource until resumed',
  resume: 'resume a paused resource; a run follows at once',
};

const helpOf = (
  action: Action,
) => `staircase ${action} KIND NAMESPACE/NAME   (or KIND NAME for a cluster-scoped kind)
staircase ${action} NAMESPACE/NAME --operator MODULE

${SUMMARIES[action]}.

KIND is the resource's kind or plural, in any case (Website, website, websites) or plural.group. The resource's
loop is found on the Temporal namespace through the StaircaseKind, StaircaseNamespace and StaircaseName search
attributes, whichever operator runs it. With KIND NAME and a namespaced kind, the name must be unique across
namespaces. --operator MODULE names the kind by its operator module instead.

${TEMPORAL_HELP}`;

async function run(action: Action, argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, { operator: { type: 'string' }, ...TEMPORAL_FLAGS }, helpOf(action), true);
  if (!parsed) return 0;
  const settings = validated('Temporal settings', () => temporalSettings(parsed.values, process.env));
  const locate = await locator(action, parsed.positionals, parsed.values.operator, settings);
  const client = await connectClient(settings);
  try {
    const loop = await locate(client);
    await perform(action, client, loop);
    return 0;
  } catch (error) {
    // A key the server accepts but that grants no role on the namespace is refused here, by the first real call.
    throw explainAccessDenied(error, settings);
  } finally {
    await client.connection.close();
  }
}

type Locate = (client: Client) => Promise<FoundLoop>;

/** How to find the loop: by search attributes (`KIND TARGET`), or by the operator's kind (`TARGET --operator`). */
async function locator(
  action: Action,
  positionals: readonly string[],
  operatorModule: string | undefined,
  settings: TemporalSettings,
): Promise<Locate> {
  const usage = `staircase ${action} KIND NAMESPACE/NAME (or KIND NAME for a cluster-scoped kind)`;
  if (positionals.length === 0 || positionals.length > 2) throw new UsageError(`give the resource: ${usage}`);
  if (positionals.length === 2 && operatorModule)
    throw new UsageError('give KIND or --operator MODULE, not both');
  if (positionals.length === 1 && !operatorModule) throw new UsageError(`give the kind too: ${usage}`);
  const [first = '', second] = positionals;
  if (second !== undefined) {
    const target = parseTarget(second);
    return (client) => findLoop(client, { kind: first, ...target }, settings.namespace);
  }
  const target = parseTarget(first);
  const kind = (await loadOperator(operatorModule as string)).kind;
  const ref = kind.ref(target.name, target.namespace);
  const loop = { workflowId: workflowIdFor(ref), kind: kind.kind, displayName: displayName(ref) };
  return async () => loop;
}

async function perform(action: Action, client: Client, loop: FoundLoop): Promise<void> {
  const handle = client.workflow.getHandle(loop.workflowId);
  const resource = `${loop.kind} ${loop.displayName}`;
  try {
    if (action === 'status') print(await handle.query(describeQuery));
    if (action === 'reconcile') print(await handle.executeUpdate(reconcileNowUpdate));
    if (action === 'pause') await handle.signal(pauseSignal);
    if (action === 'resume') await handle.signal(resumeSignal);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new LoopNotFoundError(resource, client.options.namespace);
    if (error instanceof WorkflowUpdateFailedError)
      throw new RequestRejectedError(action, resource, innermostMessage(error), { cause: error });
    throw error;
  }
  if (action === 'pause' || action === 'resume')
    process.stdout.write(`${action}d ${resource} (${loop.workflowId})\n`);
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const command = (action: Action) => ({
  summary: SUMMARIES[action],
  run: (argv: string[]) => run(action, argv),
});

/** `staircase status KIND NAMESPACE/NAME`. */
export const statusCommand = command('status');
/** `staircase reconcile KIND NAMESPACE/NAME`. */
export const reconcileCommand = command('reconcile');
/** `staircase pause KIND NAMESPACE/NAME`. */
export const pauseCommand = command('pause');
/** `staircase resume KIND NAMESPACE/NAME`. */
export const resumeCommand = command('resume');
