import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DevHooks, OperatorDefinition } from '../operator/operator.js';
import { UsageError } from './errors.js';

/** The example operator, used when `--operator` is not given. */
export const DEFAULT_OPERATOR = fileURLToPath(new URL('../../examples/website/operator.ts', import.meta.url));

/**
 * Imports an operator module (TypeScript or JavaScript) and returns its default export.
 *
 * @throws {UsageError} when the file is missing or exports no operator definition.
 */
export async function loadOperator(path: string | undefined): Promise<OperatorDefinition> {
  return (await loadOperatorModule(path)).operator;
}

/** An operator module's default export and its optional `dev` hooks. */
export async function loadOperatorModule(
  path: string | undefined,
): Promise<{ operator: OperatorDefinition; dev?: DevHooks }> {
  const file = resolve(path ?? DEFAULT_OPERATOR);
  if (!existsSync(file)) throw new UsageError(`operator module ${file} does not exist`);
  // TypeScript operator modules are loaded through tsx's loader.
  const { register } = await import('tsx/esm/api');
  register();
  const imported = (await import(pathToFileURL(file).href)) as {
    default?: OperatorDefinition;
    dev?: DevHooks;
  };
  const operator = imported.default;
  if (!operator?.kind || typeof operator.plan !== 'function') {
    throw new UsageError(`${file} has no operator definition as its default export (see defineOperator)`);
  }
  return imported.dev ? { operator, dev: imported.dev } : { operator };
}
