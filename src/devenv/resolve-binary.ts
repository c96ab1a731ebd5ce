import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BinarySources } from './binary-sources.js';
import { type BinaryName, componentOf, type ServerComponent } from './components.js';
import { currentPlatform, downloadBinary } from './download.js';
import { BinaryNotFoundError } from './errors.js';
import { buildComponent, goVersion } from './go-build.js';

const execFileAsync = promisify(execFile);

/** How a binary was found. */
export type BinaryOrigin = 'explicit' | 'kubebuilder-assets' | 'cache' | 'path' | 'built' | 'downloaded';

/** A server binary ready to run. */
export interface ResolvedBinary {
  readonly name: BinaryName;
  readonly path: string;
  readonly origin: BinaryOrigin;
}

/** Receives one line per step taken to find a binary (for progress output). */
export type ProgressLog = (message: string) => void;

const MIN_GO: readonly [number, number] = [1, 26];

/** The cache folder of one component version: `<cacheDir>/servers/<name>-<version>`. */
export function componentCacheDir(sources: BinarySources, component: ServerComponent): string {
  return join(sources.cacheDir, 'servers', `${component.name}-${component.version}`);
}

/**
 * Finds a server binary, building or downloading it when allowed.
 *
 * Order: an explicit path (`TEMPORAL_CLI_PATH` for `temporal`), `KUBEBUILDER_ASSETS`, the project cache, `PATH`
 * (only when its `--version` matches the supported series), a Go build into the cache, an upstream download
 * into the cache.
 *
 * @throws {BinaryNotFoundError} listing what was tried and how to provide the binary.
 */
export async function resolveBinary(
  name: BinaryName,
  sources: BinarySources,
  log: ProgressLog = () => {},
): Promise<ResolvedBinary> {
  const component = componentOf(name);
  const cached = join(componentCacheDir(sources, component), name);
  const attempts: string[] = [];
  const found = await findExisting(name, component, sources, cached, attempts);
  if (found) return found;

  if (sources.allowBuild) {
    const built = await tryBuild(name, component, sources, cached, attempts, log);
    if (built) return built;
  } else attempts.push('building with Go: disabled by STAIRCASE_BUILD_SERVERS');

  if (sources.allowDownload) {
    const downloaded = await tryDownload(name, component, cached, attempts, log);
    if (downloaded) return downloaded;
  } else attempts.push('downloading: disabled by STAIRCASE_DOWNLOAD_SERVERS');

  throw new BinaryNotFoundError(name, component.version, attempts, component.howToProvide);
}

async function findExisting(
  name: BinaryName,
  component: ServerComponent,
  sources: BinarySources,
  cached: string,
  attempts: string[],
): Promise<ResolvedBinary | undefined> {
  if (name === 'temporal' && sources.temporalCliPath) {
    if (await isExecutable(sources.temporalCliPath))
      return { name, path: sources.temporalCliPath, origin: 'explicit' };
    attempts.push(`TEMPORAL_CLI_PATH=${sources.temporalCliPath}: not an executable file`);
  }
  if (sources.kubebuilderAssets) {
    const candidate = join(sources.kubebuilderAssets, name);
    if (await isExecutable(candidate)) return { name, path: candidate, origin: 'kubebuilder-assets' };
    attempts.push(`KUBEBUILDER_ASSETS: no ${candidate}`);
  }
  if (await isExecutable(cached)) return { name, path: cached, origin: 'cache' };
  attempts.push(`cache: no ${cached}`);
  for (const dir of sources.searchPath) {
    const candidate = join(dir, name);
    if (!(await isExecutable(candidate))) continue;
    if (await versionMatches(candidate, component)) return { name, path: candidate, origin: 'path' };
    attempts.push(`PATH: ${candidate} is not a supported version (want ${component.acceptedVersion})`);
  }
  attempts.push(`PATH: no supported ${name}`);
  return undefined;
}

async function tryBuild(
  name: BinaryName,
  component: ServerComponent,
  sources: BinarySources,
  cached: string,
  attempts: string[],
  log: ProgressLog,
): Promise<ResolvedBinary | undefined> {
  const go = await goVersion();
  if (!go || go[0] < MIN_GO[0] || (go[0] === MIN_GO[0] && go[1] < MIN_GO[1])) {
    attempts.push(
      `building with Go: needs Go ${MIN_GO.join('.')}+, found ${go ? go.join('.') : 'no go command'}`,
    );
    return undefined;
  }
  log(
    `building ${component.name} ${component.version} with Go (first time only; this can take many minutes)…`,
  );
  const started = Date.now();
  await buildComponent(component, componentCacheDir(sources, component));
  log(`built ${component.name} ${component.version} in ${Math.round((Date.now() - started) / 1000)} s`);
  if (await isExecutable(cached)) return { name, path: cached, origin: 'built' };
  attempts.push(`building with Go: the build produced no ${cached}`);
  return undefined;
}

async function tryDownload(
  name: BinaryName,
  component: ServerComponent,
  cached: string,
  attempts: string[],
  log: ProgressLog,
): Promise<ResolvedBinary | undefined> {
  const platform = currentPlatform();
  if (!platform) {
    attempts.push('downloading: no upstream release for this platform');
    return undefined;
  }
  const source = component.download(name, platform);
  if (!source) {
    attempts.push(`downloading: ${name} has no upstream release`);
    return undefined;
  }
  log(`downloading ${name} from ${source.url}…`);
  try {
    await downloadBinary(name, source, cached);
    return { name, path: cached, origin: 'downloaded' };
  } catch (error) {
    attempts.push(`downloading: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** True when `path` is a file this process may execute. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function versionMatches(path: string, component: ServerComponent): Promise<boolean> {
  try {
    const { stdout, stderr } = await execFileAsync(path, [...component.versionArgs], { timeout: 10_000 });
    return component.acceptedVersion.test(`${stdout}\n${stderr}`);
  } catch {
    return false;
  }
}
