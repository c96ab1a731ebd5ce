import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BinaryName, ServerComponent } from './components.js';
import { GoBuildError } from './errors.js';

const execFileAsync = promisify(execFile);

/** The folder holding the wrapper Go modules (`tools/servers/` at the package root). */
export const WRAPPER_MODULES_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'tools',
  'servers',
);

/** The installed Go's version as `[major, minor]`, or `undefined` when there is no usable `go` command. */
export async function goVersion(): Promise<readonly [number, number] | undefined> {
  try {
    const { stdout } = await execFileAsync('go', ['env', 'GOVERSION'], {
      env: { ...process.env, GOTOOLCHAIN: 'local' },
    });
    const match = /go(\d+)\.(\d+)/.exec(stdout);
    return match ? [Number(match[1]), Number(match[2])] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds every binary of `component` with `go build` in its wrapper module and moves them into `targetDir`.
 *
 * Guarantees: `targetDir` appears complete or not at all (built into a temporary sibling, then renamed), so an
 * interrupted build never leaves a half-written cache entry. Two concurrent builds of the same component are
 * safe; the second rename loses and its output is discarded.
 *
 * @throws {GoBuildError} with the tail of Go's output.
 */
export async function buildComponent(component: ServerComponent, targetDir: string): Promise<void> {
  const moduleDir = join(WRAPPER_MODULES_DIR, component.moduleDir);
  await mkdir(dirname(targetDir), { recursive: true });
  const staging = await mkdtemp(`${targetDir}.building-`);
  const packages = Object.entries(component.packages) as [BinaryName, string][];
  try {
    await execFileAsync(
      'go',
      [
        'build',
        '-trimpath',
        '-ldflags',
        component.ldflags,
        '-o',
        `${staging}/`,
        ...packages.map(([, pkg]) => pkg),
      ],
      {
        cwd: moduleDir,
        env: {
          ...process.env,
          GOWORK: 'off',
          CGO_ENABLED: '0',
          GOFLAGS: '-mod=readonly',
          GOTOOLCHAIN: 'local',
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    for (const [binary, pkg] of packages)
      await rename(join(staging, goOutputName(pkg)), join(staging, binary));
    await renameUnlessPresent(staging, targetDir);
  } catch (error) {
    const output = (error as { stderr?: string }).stderr ?? String(error);
    throw new GoBuildError(component.name, moduleDir, output, { cause: error });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function renameUnlessPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
}

/**
 * The file name `go build -o dir/` gives a main package: its last path element, or the one before a major-version
 * suffix (`go.etcd.io/etcd/server/v3` → `server`).
 */
export function goOutputName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1) ?? pkg;
  return /^v\d+$/.test(last) && parts.length > 1 ? (parts.at(-2) ?? last) : last;
}
