/**
 * The compiled JavaScript the production processes run, as a snapshot of its own: a folder with the package's
 * package.json, its dist/ and the greeting operator, so `staircase-temporal` resolves to that dist/ and a rebuild of
 * the working tree's dist/ during a long run (by someone else, or `npm pack` in a test) cannot change or break
 * what the bench measures. The dist/ comes from the working tree when it is newer than src/, else from a fresh
 * `tsc -p tsconfig.build.json` into the snapshot. The workflow bundle a production image ships
 * (scripts/bundle-workflows.ts) is made from it and cached by content.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A compiled copy of the package the production processes run from. */
export interface Release {
  /** `node CLI worker …` */
  readonly cli: string;
  /** The greeting operator, inside the snapshot (so it imports the snapshot's dist/). */
  readonly operator: string;
  /** The prebuilt workflow bundle (`STAIRCASE_WORKFLOW_BUNDLE`). */
  readonly workflowBundle: string;
  remove(): Promise<void>;
}

function filesUnder(dir: string, ending: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(ending))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

const newestMtime = (dir: string, ending: string) =>
  Math.max(0, ...filesUnder(dir, ending).map((file) => statSync(file).mtimeMs));

/**
 * Makes the snapshot. `build: false` takes the working tree's dist/ as it is.
 * @throws when there is no dist/ to take, or the build fails.
 */
export async function prepareRelease(options: {
  readonly build: boolean;
  readonly log: (line: string) => void;
}): Promise<Release> {
  const dir = await mkdtemp(join(tmpdir(), 'staircase-bench-release-'));
  const dist = join(ROOT, 'dist');
  const main = join(dist, 'cli', 'main.js');
  const fresh = existsSync(main) && statSync(main).mtimeMs > newestMtime(join(ROOT, 'src'), '.ts');
  if (fresh || !options.build) {
    if (!existsSync(main)) throw new Error('dist/ is missing: run `npm run build` or drop --no-build');
    await cp(dist, join(dir, 'dist'), { recursive: true });
  } else {
    options.log(
      'dist/ is older than src/: compiling src/ into the bench snapshot (tsc -p tsconfig.build.json)',
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')];
    try {
      execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw new Error('src/ does not compile (above); fix it, or measure an existing dist/ with --no-build', {
        cause: error,
      });
    }
  }
  await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await mkdir(join(dir, 'examples', 'greeting'), { recursive: true });
  const operator = join(dir, 'examples', 'greeting', 'operator.ts');
  await cp(join(ROOT, 'examples', 'greeting', 'operator.ts'), operator);
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return {
    cli: join(dir, 'dist', 'cli', 'main.js'),
    operator,
    workflowBundle: await workflowBundle(join(dir, 'dist'), options.log),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The snapshot's workflows bundled into one file, cached under node_modules/.cache by the content of dist/. */
async function workflowBundle(dist: string, log: (line: string) => void): Promise<string> {
  const hash = createHash('sha256');
  for (const file of filesUnder(dist, '.js')) hash.update(file.slice(dist.length)).update(readFileSync(file));
  const cache = join(ROOT, 'node_modules', '.cache', 'staircase-bench');
  const file = join(cache, `workflow-bundle-${hash.digest('hex').slice(0, 16)}.js`);
  if (existsSync(file)) return file;
  log('bundling the compiled workflows (as the production image does)…');
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  // The snapshot's own bundle options, so the paths are the snapshot's.
  const { engineBundleOptions } = (await import(
    pathToFileURL(join(dist, 'worker', 'create-worker.js')).href
  )) as Partial<typeof import('../src/worker/create-worker.js')>;
  if (!engineBundleOptions)
    throw new Error('dist/ predates engineBundleOptions: rebuild it (drop --no-build)');
  const { code } = await bundleWorkflowCode({
    ...engineBundleOptions(),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  await mkdir(cache, { recursive: true });
  await writeFile(file, code);
  return file;
}
