import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes.js';
import { RECONCILE_WORKFLOW_TYPE } from '../workflows/contract.js';
import { AmbiguousResourceError, LoopNotFoundError, UsageError } from './errors.js';

/** A resource as a loop-control command names it: `KIND NAMESPACE/NAME`, `KIND NAME`. */
export interface LoopSelector {
  /** As typed: kind (`Website`, `website`), plural (`websites`) or `plural.group`; matched case-insensitively. */
  readonly kind: string;
  /** Absent: any namespace (or a cluster-scoped resource). */
  readonly namespace?: string;
  readonly name: string;
}

/** A running control loop found for a {@link LoopSelector}. */
export interface FoundLoop {
  readonly workflowId: string;
  /** The kind as the loop records it, e.g. `Website`. */
  readonly kind: string;
  /** `namespace/name`, or `name` for cluster-scoped resources. */
  readonly displayName: string;
}

/** Characters a Kubernetes name or namespace never contains, and which would break a visibility query. */
const UNSAFE = /["'\\\s]/;

/**
 * Finds the running loop of one resource through the engine's search attributes (`StaircaseKind`,
 * `StaircaseNamespace`, `StaircaseName`), so loops of any operator on the Temporal namespace are found.
 *
 * @throws {LoopNotFoundError} when no running loop matches.
 * @throws {AmbiguousResourceError} when several do (the same name in several namespaces or API groups).
 */
export async function findLoop(
  client: Client,
  selector: LoopSelector,
  temporalNamespace: string,
): Promise<FoundLoop> {
  for (const text of [selector.name, selector.namespace ?? '']) {
    if (UNSAFE.test(text)) throw new UsageError(`"${text}" is not a Kubernetes name`);
  }
  const loops = await runningLoopsNamed(client, selector);
  const matches = loops.filter((loop) => kindMatches(selector.kind, loop));
  const asTyped = `${selector.kind} ${selector.namespace ? `${selector.namespace}/` : ''}${selector.name}`;
  const [only, ...more] = matches;
  if (!only) {
    throw new LoopNotFoundError(
      asTyped,
      temporalNamespace,
      loops.map((loop) => `${loop.kind} ${loop.displayName}`),
    );
  }
  if (more.length > 0)
    throw new AmbiguousResourceError(
      asTyped,
      matches.map((loop) => loop.workflowId),
    );
  return only;
}

/** True when `typed` names the loop's kind: its kind, its plural, or `plural.group`, in any case. */
export function kindMatches(typed: string, loop: Pick<FoundLoop, 'kind' | 'workflowId'>): boolean {
  const wanted = typed.toLowerCase();
  const pluralGroup = loop.workflowId.split('/')[0]?.toLowerCase() ?? '';
  const plural = pluralGroup.split('.')[0];
  return wanted === loop.kind.toLowerCase() || wanted === plural || wanted === pluralGroup;
}

async function runningLoopsNamed(client: Client, selector: LoopSelector): Promise<FoundLoop[]> {
  const clauses = [
    `WorkflowType = "${RECONCILE_WORKFLOW_TYPE}"`,
    'ExecutionStatus = "Running"',
    `${SEARCH_ATTRIBUTES.name.name} = "${selector.name}"`,
    ...(selector.namespace ? [`${SEARCH_ATTRIBUTES.namespace.name} = "${selector.namespace}"`] : []),
  ];
  const loops: FoundLoop[] = [];
  for await (const execution of client.workflow.list({ query: clauses.join(' AND '), pageSize: 50 })) {
    loops.push(loopOf(execution));
    if (loops.length >= 50) break;
  }
  return loops;
}

function loopOf(execution: WorkflowExecutionInfo): FoundLoop {
  const attributes = execution.typedSearchAttributes;
  const namespace = attributes.get(SEARCH_ATTRIBUTES.namespace);
  const name = attributes.get(SEARCH_ATTRIBUTES.name) ?? '';
  return {
    workflowId: execution.workflowId,
    kind: attributes.get(SEARCH_ATTRIBUTES.kind) ?? '',
    displayName: namespace ? `${namespace}/${name}` : name,
  };
}
