import type { BinarySources } from './binary-sources.js';
import type { BinaryName } from './components.js';
import { type ProgressLog, type ResolvedBinary, resolveBinary } from './resolve-binary.js';

/** Paths of resolved server binaries, by name. */
export type BinaryPaths = Readonly<Partial<Record<BinaryName, string>>>;

/**
 * Resolves every binary in `names`, one after another (binaries of one component share a single build).
 *
 * @throws {BinaryNotFoundError} for the first binary that cannot be provided.
 */
export async function provisionBinaries(
  names: readonly BinaryName[],
  sources: BinarySources,
  log: ProgressLog = () => {},
): Promise<ResolvedBinary[]> {
  const resolved: ResolvedBinary[] = [];
  for (const name of new Set(names)) resolved.push(await resolveBinary(name, sources, log));
  return resolved;
}

/** The resolved binaries as a name → path map. */
export function pathsOf(resolved: readonly ResolvedBinary[]): BinaryPaths {
  return Object.fromEntries(resolved.map((b) => [b.name, b.path]));
}

/**
 * The path of `name` in `paths`.
 *
 * @throws {Error} when it was not provisioned (a programming error: provision the binary set first).
 */
export function requireBinary(paths: BinaryPaths, name: BinaryName): string {
  const path = paths[name];
  if (!path)
    throw new Error(`${name} was not provisioned; include it in the binaries passed to provisionBinaries`);
  return path;
}
