/**
 * The compiled JavaScript the production processes run: `npm run build` when dist/ is older than src/, and the
 * workflow bundle a production image ships (scripts/bundle-workflows.ts), made once per build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function newestMtime(dir: string, ending: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ending)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` unless dist/cli/main.js is newer than every file under src/. */
export function ensureBuilt(log: (line: string) => void): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  const built = existsSync(main) ? statSync(main).mtimeMs : 0;
  if (built > newestMtime(join(ROOT, 'src'), '.ts')) return;
  log('dist/ is older than src/: npm run build');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

/** The engine's compiled workflows bundled into one file (cached under node_modules/.cache until the next build). */
export async function workflowBundle(log: (line: string) => void): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'staircase-bench');
  const file = join(dir, 'workflow-bundle.js');
  const workflows = join(ROOT, 'dist', 'workflows');
  if (existsSync(file) && statSync(file).mtimeMs > newestMtime(workflows, '.js')) return file;
  log('bundling the compiled workflows (as the production image does)…');
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(workflows, 'index.js'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  await mkdir(dir, { recursive: true });
  await writeFile(file, code);
  return file;
}
