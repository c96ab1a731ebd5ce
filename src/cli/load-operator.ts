import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DevHooks, OperatorDefinition } from '../operator/operator.js';
import { checkOperatorSet, OperatorSetError } from '../operator/operator-set.js';
import { UsageError } from './errors.js';

const CONVENTION = 'export default defineOperator({ … }), or export default [operatorA, operatorB]';

/** Help line of the `--operator` flag, its description starting at column `column` (as the command's other flags). */
export function operatorHelp(column: number): string {
  return (
    `  ${'--operator MODULE'.padEnd(column - 2)}(STAIRCASE_OPERATOR) a module whose default export is ` +
    'defineOperator(...)\n' +
    `  ${''.padEnd(column - 2)}or an array of them; repeat the flag for several modules`
  );
}

/**
 * The operator module named by `--operator`, else by `STAIRCASE_OPERATOR`.
 *
 * @throws {UsageError} when neither is given: there is no default operator.
 */
export function operatorPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const path = flag ?? env.STAIRCASE_OPERATOR;
  if (!path)
    throw new UsageError('give --operator MODULE: a module whose default export is defineOperator(...)');
  return path;
}

/**
 * The operator modules named by (repeated) `--operator` flags, else by `STAIRCASE_OPERATOR` (comma-separated).
 *
 * @throws {UsageError} when neither is given.
 */
export function operatorPaths(flags: readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env) {
  if (flags && flags.length > 0) return [...flags];
  return operatorPath(undefined, env).split(',').filter(Boolean);
}

/** What one or several operator modules provide. */
export interface LoadedOperators {
  /** Every operator, in the order of the modules and of each module's array. */
  readonly operators: readonly OperatorDefinition[];
  /** Each module's `dev` hooks with the module's first operator (the default kind of its samples). */
  readonly dev: readonly { readonly operator: OperatorDefinition; readonly hooks: DevHooks }[];
}

/**
 * Imports operator modules and collects their operators and `dev` hooks. A module's default export is one
 * operator definition or a non-empty array of them.
 *
 * @throws {UsageError} when a file is missing, has no default export, exports something else, or when two
 * operators share a name, a kind or a task queue.
 */
export async function loadOperators(paths: readonly string[]): Promise<LoadedOperators> {
  const operators: OperatorDefinition[] = [];
  const dev: { operator: OperatorDefinition; hooks: DevHooks }[] = [];
  for (const path of paths) {
    const loaded = await loadOperatorModule(path);
    operators.push(...loaded.operators);
    if (loaded.dev) dev.push({ operator: loaded.operators[0] as OperatorDefinition, hooks: loaded.dev });
  }
  try {
    checkOperatorSet(operators);
  } catch (error) {
    if (error instanceof OperatorSetError) throw new UsageError(error.message);
    throw error;
  }
  return { operators, dev };
}

/**
 * The one operator of a module, for commands about one operator.
 *
 * @throws {UsageError} as {@link loadOperatorModule}, and when the module has several operators.
 */
export async function loadOperator(path: string): Promise<OperatorDefinition> {
  const { operators } = await loadOperatorModule(path);
  if (operators.length > 1)
    throw new UsageError(
      `${resolve(path)} has ${operators.length} operators (${operators.map((o) => o.name).join(', ')}); ` +
        'this needs one: give the KIND instead',
    );
  return operators[0] as OperatorDefinition;
}

/**
 * An operator module's operators (its default export: one definition or an array) and its optional `dev` hooks.
 *
 * @throws {UsageError} when the file is missing, fails to load, or its default export is not an operator or a
 * non-empty array of operators (naming the offending element).
 */
export async function loadOperatorModule(
  path: string,
): Promise<{ operators: readonly OperatorDefinition[]; dev?: DevHooks }> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`operator module ${file} does not exist`);
  const imported = await importModule(file);
  if (!('default' in imported) || imported.default === undefined) {
    throw new UsageError(`${file} has no default export; end it with: ${CONVENTION}`);
  }
  const operators = operatorsOf(file, imported.default);
  const dev = imported.dev as DevHooks | undefined;
  return dev ? { operators, dev } : { operators };
}

function operatorsOf(file: string, exported: unknown): readonly OperatorDefinition[] {
  if (!Array.isArray(exported)) {
    if (isOperator(exported)) return [exported];
    throw new UsageError(`the default export of ${file} is not an operator; ${CONVENTION}`);
  }
  if (exported.length === 0)
    throw new UsageError(`the default export of ${file} is an empty array; ${CONVENTION}`);
  const bad = exported.findIndex((element) => !isOperator(element));
  if (bad >= 0)
    throw new UsageError(`element ${bad} of the default export of ${file} is not an operator; ${CONVENTION}`);
  return exported as OperatorDefinition[];
}

function isOperator(value: unknown): value is OperatorDefinition {
  const candidate = value as Partial<OperatorDefinition> | null | undefined;
  return Boolean(candidate?.kind) && typeof candidate?.plan === 'function';
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  // TypeScript operator modules are loaded through tsx's loader.
  const { register } = await import('tsx/esm/api');
  register();
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`cannot load operator module ${file}: ${reason}`, { cause: error });
  }
}

/**
 * The `--task-queue` override as a task-queue function, or `undefined` without one.
 *
 * @throws {UsageError} when given with several operators: each needs a queue of its own (`options.taskQueue`).
 */
export function taskQueueFlag(
  taskQueue: string | undefined,
  operators: readonly OperatorDefinition[],
): ((operator: OperatorDefinition) => string) | undefined {
  if (taskQueue === undefined) return undefined;
  if (operators.length > 1)
    throw new UsageError(
      '--task-queue names one queue, but there are several operators; set options.taskQueue in each instead',
    );
  return () => taskQueue;
}
