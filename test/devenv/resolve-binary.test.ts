import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BinarySources } from '../../src/devenv/binary-sources.js';
import { componentOf, SERVER_COMPONENTS } from '../../src/devenv/components.js';
import { BinaryNotFoundError } from '../../src/devenv/errors.js';
import { goOutputName } from '../../src/devenv/go-build.js';
import { componentCacheDir, resolveBinary } from '../../src/devenv/resolve-binary.js';

/** Writes an executable shell script that prints `versionOutput` (standing in for a binary's `--version`). */
async function executable(dir: string, name: string, versionOutput = ''): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\necho '${versionOutput}'\n`);
  await chmod(path, 0o755);
  return path;
}

async function offlineSources(overrides: Partial<BinarySources> = {}): Promise<BinarySources> {
  const root = await mkdtemp(join(tmpdir(), 'resolve-'));
  return {
    cacheDir: join(root, 'cache'),
    searchPath: [],
    allowBuild: false,
    allowDownload: false,
    ...overrides,
  };
}

describe('resolveBinary', () => {
  it('prefers KUBEBUILDER_ASSETS over the project cache', async () => {
    const sources = await offlineSources();
    const assets = join(sources.cacheDir, '..', 'assets');
    const fromAssets = await executable(assets, 'etcd');
    await executable(componentCacheDir(sources, SERVER_COMPONENTS.etcd), 'etcd');
    const resolved = await resolveBinary('etcd', { ...sources, kubebuilderAssets: assets });
    expect(resolved).toEqual({ name: 'etcd', path: fromAssets, origin: 'kubebuilder-assets' });
  });

  it('honours TEMPORAL_CLI_PATH before anything else', async () => {
    const sources = await offlineSources();
    const explicit = await executable(join(sources.cacheDir, '..', 'mine'), 'my-temporal');
    await executable(componentCacheDir(sources, SERVER_COMPONENTS.temporal), 'temporal');
    const resolved = await resolveBinary('temporal', { ...sources, temporalCliPath: explicit });
    expect(resolved.origin).toBe('explicit');
    expect(resolved.path).toBe(explicit);
  });

  it('uses the cache before PATH', async () => {
    const sources = await offlineSources();
    const cached = await executable(componentCacheDir(sources, SERVER_COMPONENTS.kubernetes), 'kubectl');
    const onPath = join(sources.cacheDir, '..', 'bin');
    await executable(onPath, 'kubectl', 'Client Version: v1.34.1');
    const resolved = await resolveBinary('kubectl', { ...sources, searchPath: [onPath] });
    expect(resolved).toEqual({ name: 'kubectl', path: cached, origin: 'cache' });
  });

  it('takes a binary from PATH only when its version is in the supported series', async () => {
    const sources = await offlineSources();
    const old = join(sources.cacheDir, '..', 'old');
    const current = join(sources.cacheDir, '..', 'current');
    await executable(old, 'etcd', 'etcd Version: 3.4.23');
    const good = await executable(current, 'etcd', 'etcd Version: 3.6.16');
    const resolved = await resolveBinary('etcd', { ...sources, searchPath: [old, current] });
    expect(resolved).toEqual({ name: 'etcd', path: good, origin: 'path' });
  });

  it('fails naming the binary, everything it tried, and how to provide it', async () => {
    const sources = await offlineSources();
    const old = join(sources.cacheDir, '..', 'old');
    await executable(old, 'etcd', 'etcd Version: 3.4.23');
    const error = await resolveBinary('etcd', { ...sources, searchPath: [old] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinaryNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('etcd 3.6.16 is not available');
    expect(message).toContain(`${old}/etcd is not a supported version`);
    expect(message).toContain('disabled by STAIRCASE_BUILD_SERVERS');
    expect(message).toContain('KUBEBUILDER_ASSETS');
  });
});

describe('goOutputName', () => {
  it.each([
    ['k8s.io/kubernetes/cmd/kube-apiserver', 'kube-apiserver'],
    ['go.etcd.io/etcd/server/v3', 'server'],
    ['staircase.local/servers/kwok/kwok-stages', 'kwok-stages'],
  ])('names the binary of %s as go build does: %s', (pkg, name) => {
    expect(goOutputName(pkg)).toBe(name);
  });
});

describe('building from the wrapper Go modules', () => {
  it.each([
    ['etcd', ['--version'], /etcd Version: 3\.6\./],
    ['kwok-stages', [], /kind: Stage/],
  ] as const)('builds %s into an empty cache, ready to run', async (name, args, expected) => {
    const sources = { ...(await offlineSources()), allowBuild: true };
    const resolved = await resolveBinary(name, sources);
    expect(resolved.origin).toBe('built');
    expect(resolved.path).toBe(join(componentCacheDir(sources, componentOf(name)), name));
    const { stdout } = await promisify(execFile)(resolved.path, [...args]);
    expect(stdout).toMatch(expected);
  });
});
