import { describe, expect, it } from 'vitest';
import { binarySourcesFromEnv } from '../../src/devenv/binary-sources.js';

describe('binarySourcesFromEnv', () => {
  it.each([
    [{ STAIRCASE_CACHE_DIR: '/c' }, '/c'],
    [{ XDG_CACHE_HOME: '/x' }, '/x/staircase'],
  ])('puts the cache outside the repository (%o → %s)', (env, cacheDir) => {
    expect(binarySourcesFromEnv(env).cacheDir).toBe(cacheDir);
  });

  it('allows building and downloading unless told not to', () => {
    expect(binarySourcesFromEnv({})).toMatchObject({ allowBuild: true, allowDownload: true });
    expect(
      binarySourcesFromEnv({ STAIRCASE_BUILD_SERVERS: '0', STAIRCASE_DOWNLOAD_SERVERS: 'false' }),
    ).toMatchObject({
      allowBuild: false,
      allowDownload: false,
    });
  });

  it('rejects an unclear flag value, naming the variable', () => {
    expect(() => binarySourcesFromEnv({ STAIRCASE_BUILD_SERVERS: 'maybe' })).toThrow(
      /STAIRCASE_BUILD_SERVERS/,
    );
  });

  it('splits PATH and reads KUBEBUILDER_ASSETS, TEMPORAL_CLI_PATH and STAIRCASE_POSTGRES_BIN', () => {
    const sources = binarySourcesFromEnv({
      PATH: '/a:/b',
      KUBEBUILDER_ASSETS: '/k',
      TEMPORAL_CLI_PATH: '/t',
      STAIRCASE_POSTGRES_BIN: '/usr/lib/postgresql/15/bin',
    });
    expect(sources).toMatchObject({
      searchPath: ['/a', '/b'],
      kubebuilderAssets: '/k',
      temporalCliPath: '/t',
      postgresBinDir: '/usr/lib/postgresql/15/bin',
    });
  });
});
