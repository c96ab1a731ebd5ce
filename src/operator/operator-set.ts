import { type OperatorDefinition, resolveOptions } from './operator.js';

/** Several operators cannot share one process as given: two share a name, a kind or a task queue. */
export class OperatorSetError extends Error {
  override readonly name = 'OperatorSetError';
  constructor(
    /** What the two operators share: `name`, `kind` or `task queue`. */
    readonly clash: 'name' | 'kind' | 'task queue',
    readonly value: string,
    readonly operators: readonly [string, string],
  ) {
    super(
      `operators "${operators[0]}" and "${operators[1]}" have the same ${clash} (${value}); ` +
        'operators in one process need distinct names, kinds and task queues',
    );
  }
}

/** The operator's kind as one identifier: `<plural>.<group>`. */
export function kindKey(operator: OperatorDefinition): string {
  return `${operator.kind.plural}.${operator.kind.group}`;
}

/**
 * Checks that operators can run in one process: distinct names, distinct kinds (a kind reconciled by two operators
 * would have two loops fighting over one workflow ID) and distinct task queues (`taskQueueOf`, default each
 * operator's own). Returns the operators unchanged.
 *
 * @throws {OperatorSetError} naming the first clash; {@link Error} when the list is empty.
 */
export function checkOperatorSet<T extends readonly OperatorDefinition[]>(
  operators: T,
  taskQueueOf: (operator: OperatorDefinition) => string = (operator) => resolveOptions(operator).taskQueue,
): T {
  if (operators.length === 0) throw new Error('no operator given');
  const keys: readonly [OperatorSetError['clash'], (operator: OperatorDefinition) => string][] = [
    ['name', (operator) => operator.name],
    ['kind', kindKey],
    ['task queue', taskQueueOf],
  ];
  for (const [clash, key] of keys) {
    const seen = new Map<string, string>();
    for (const operator of operators) {
      const value = key(operator);
      const other = seen.get(value);
      if (other !== undefined) throw new OperatorSetError(clash, value, [other, operator.name]);
      seen.set(value, operator.name);
    }
  }
  return operators;
}
