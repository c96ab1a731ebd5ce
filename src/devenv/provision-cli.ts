/**
 * `npm run testenv:provision`: makes every server binary used by the tests and `staircase dev` available in the
 * cache, building or downloading what is missing, and prints where each one came from.
 */
import { binarySourcesFromEnv } from './binary-sources.js';
import { BINARY_SETS } from './components.js';
import { BinaryNotFoundError } from './errors.js';
import { provisionBinaries } from './provision.js';

async function main(): Promise<void> {
  const sources = binarySourcesFromEnv(process.env);
  const started = Date.now();
  const log = (message: string) => console.log(`[provision] ${message}`);
  const resolved = await provisionBinaries([...BINARY_SETS.temporal, ...BINARY_SETS.full], sources, log);
  for (const binary of resolved) log(`${binary.name.padEnd(24)} ${binary.origin.padEnd(18)} ${binary.path}`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (cache: ${sources.cacheDir})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof BinaryNotFoundError ? error.message : error);
  process.exitCode = 1;
});
