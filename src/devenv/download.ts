import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import type { BinaryName, DownloadSource, Platform } from './components.js';
import { DownloadError } from './errors.js';

/** This machine's platform in the spelling of upstream release archives, or `undefined` when none is published. */
export function currentPlatform(): Platform | undefined {
  const os = platform();
  const cpu = arch();
  if ((os !== 'linux' && os !== 'darwin') || (cpu !== 'x64' && cpu !== 'arm64')) return undefined;
  return { os, arch: cpu === 'x64' ? 'amd64' : 'arm64' };
}

/**
 * Downloads one binary from its upstream release into `targetPath` (atomically: written beside it, then renamed).
 *
 * @throws {DownloadError} on a network error, a non-2xx answer, or an archive without the expected member.
 */
export async function downloadBinary(
  binary: BinaryName,
  source: DownloadSource,
  targetPath: string,
): Promise<void> {
  await mkdir(dirname(targetPath), { recursive: true });
  const staging = await mkdtemp(`${targetPath}.download-`);
  try {
    const body = await fetchBytes(source.url);
    const file = join(staging, binary);
    if (source.memberPath === undefined) await writeFile(file, body);
    else await extractMember(body, source.memberPath, staging, file, source.url);
    await chmod(file, 0o755);
    await rename(file, targetPath);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function fetchBytes(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    throw new DownloadError(url, error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (!response.ok) throw new DownloadError(url, `HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function extractMember(
  archive: Buffer,
  memberPath: string,
  workDir: string,
  target: string,
  url: string,
): Promise<void> {
  const code = await new Promise<number | null>((resolve, reject) => {
    const tar = spawn('tar', ['-xzf', '-', '-C', workDir, memberPath], { stdio: ['pipe', 'ignore', 'pipe'] });
    tar.on('error', reject);
    tar.on('close', resolve);
    tar.stdin.end(archive);
  });
  if (code !== 0) throw new DownloadError(url, `the archive has no ${memberPath}`);
  await rename(join(workDir, memberPath), target);
}
