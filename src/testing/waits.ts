import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { displayName, type ResourceRef, workflowIdFor } from '../core/resource-ref.js';
import { describeQuery, type ResourceDescription } from '../workflows/contract.js';
import { ResourceWaitTimeoutError } from './errors.js';
import { conditionOf, type TestObject, type TestResources } from './resources.js';

/** Options of a wait; every wait has a deadline. */
export interface WaitOptions {
  /** Default 60 s. */
  readonly timeoutMs?: number;
}

/** One look at what is awaited: done with a value, or not yet with where things stand. */
type Probe<T> = () => Promise<{ readonly done: T } | { readonly lastSeen: string }>;

/**
 * Calls `probe` every `intervalMs` until it returns a value, at least once; `undefined` when `timeoutMs` passed
 * first. The kit's one polling loop.
 */
export async function repeatUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}

/**
 * Calls `probe` every 100 ms until it is done.
 *
 * @throws {ResourceWaitTimeoutError} saying what was awaited and what was last seen.
 */
async function poll<T>(what: string, probe: Probe<T>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let lastSeen = '';
  const seen = await repeatUntil(async () => {
    const look = await probe();
    if ('done' in look) return look;
    lastSeen = look.lastSeen;
    return undefined;
  }, timeoutMs);
  if (!seen) throw new ResourceWaitTimeoutError(what, timeoutMs, lastSeen);
  return seen.done;
}

const named = (ref: ResourceRef) => `${ref.kind} ${displayName(ref)}`;

/** Polls a resource's loop (its `describe` query) until `predicate` holds; returns that description. */
export function waitForLoop(
  client: Client,
  ref: ResourceRef,
  what: string,
  predicate: (description: ResourceDescription) => boolean,
  options?: WaitOptions,
): Promise<ResourceDescription> {
  const handle = client.workflow.getHandle(workflowIdFor(ref));
  return poll(
    `${named(ref)} ${what}`,
    async () => {
      try {
        const description = await handle.query(describeQuery);
        return predicate(description) ? { done: description } : { lastSeen: describeLoop(description) };
      } catch (error) {
        if ((error as { name?: string }).name === 'WorkflowNotFoundError')
          return { lastSeen: 'its loop has not started (is the watcher running and the CRD installed?)' };
        return { lastSeen: `the describe query failed: ${causeChain(error)}` };
      }
    },
    options,
  );
}

/** Waits until the loop's last run converged on the object's current generation. */
export async function waitForReady(
  client: Client,
  resources: TestResources,
  ref: ResourceRef,
  options?: WaitOptions,
): Promise<ResourceDescription> {
  const generation = (await resources.get(ref))?.metadata.generation ?? 0;
  return waitForLoop(
    client,
    ref,
    `to be Ready at generation ${generation}`,
    (d) => d.phase === 'Ready' && (d.lastRun?.generation ?? 0) >= generation,
    options,
  );
}

/** Waits until the object has condition `type` with `status`. */
export function waitForCondition(
  resources: TestResources,
  ref: ResourceRef,
  type: string,
  status: string,
  options?: WaitOptions,
): Promise<TestObject> {
  return poll(
    `${named(ref)} to have condition ${type}=${status}`,
    async () => {
      const object = await resources.get(ref);
      const condition = conditionOf(object, type);
      if (object && condition?.status === status) return { done: object };
      return {
        lastSeen: !object
          ? 'the object does not exist'
          : condition
            ? `${type}=${condition.status} (${condition.reason ?? ''}: ${condition.message ?? ''})`
            : `no ${type} condition`,
      };
    },
    options,
  );
}

/** Waits until the object no longer exists. */
export function waitForDeletion(
  resources: TestResources,
  ref: ResourceRef,
  options?: WaitOptions,
): Promise<void> {
  return poll(
    `${named(ref)} to be deleted`,
    async () => {
      const object = await resources.get(ref);
      if (!object) return { done: undefined };
      return { lastSeen: `still there with finalizers [${(object.metadata.finalizers ?? []).join(', ')}]` };
    },
    options,
  );
}

/** Where a loop stands, in one line: "Progressing at step dns-record (run 3); last run: waiting — …". */
export function describeLoop(description: ResourceDescription): string {
  const step = description.currentStep ? ` at step ${description.currentStep}` : '';
  const last = description.lastRun?.outcome;
  const lastText = last ? `; last run: ${last.kind}${'reason' in last ? ` — ${last.reason}` : ''}` : '';
  return `${description.phase}${step} (run ${description.runNumber})${lastText}`;
}

/** An error's message with those of its causes: the SDK wraps the reason a query failed. */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error && messages.length < 5; current = current.cause)
    messages.push(current.message);
  return messages.join(': ') || String(error);
}
