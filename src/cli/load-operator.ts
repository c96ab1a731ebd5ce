import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DevHooks, OperatorDefinition } from '../operator/operator.js';
import { UsageError } from './errors.js';

/** Help line of the `--operator` flag, its description starting at column `column` (as the command's other flags). */
export function operatorHelp(column: number): string {
  return `  ${'--operator MODULE'.padEnd(column - 2)}(STAIRCASE_OPERATOR) a module whose default export is defineOperator(...)`;
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
 * Imports an operator module (TypeScript or JavaScript) and returns its default export.
 *
 * @throws {UsageError} when the file is missing or its default export is not an operator definition.
 */
export async function loadOperator(path: string): Promise<OperatorDefinition> {
  return (await loadOperatorModule(path)).operator;
}

/**
 * An operator module's default export and its optional `dev` hooks.
 *
 * @throws {UsageError} when the file is missing, fails to load, or has no operator as its default export.
 */
export async function loadOperatorModule(
  path: string,
): Promise<{ operator: OperatorDefinition; dev?: DevHooks }> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`operator module ${file} does not exist`);
  const imported = await importModule(file);
  if (!('default' in imported) || imported.default === undefined) {
    throw new UsageError(`${file} has no default export; end it with: export default defineOperator({ … })`);
  }
  const operator = imported.default as Partial<OperatorDefinition> | null;
  if (!operator?.kind || typeof operator.plan !== 'function') {
    throw new UsageError(
      `the default export of ${file} is not an operator; export default defineOperator({ … })`,
    );
  }
  const dev = imported.dev as DevHooks | undefined;
  return dev
    ? { operator: operator as OperatorDefinition, dev }
    : { operator: operator as OperatorDefinition };
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
