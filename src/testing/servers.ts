import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binarySourcesFromEnv } from '../devenv/binary-sources.js';
import type { ControlPlaneProfile } from '../devenv/control-plane.js';
import { startDevEnvironment } from '../devenv/dev-environment.js';
import type { ControlPlaneAccess } from '../devenv/kube-access.js';
import { TestServersUnavailableError } from './errors.js';

/**
 * Where a test reaches its servers: plain JSON, so a runner's global set-up can hand it to test files running in
 * other processes (see {@link TEST_SERVERS_ENV}).
 */
export interface TestServerAddresses {
  /** `127.0.0.1:<port>` of a Temporal server (the dev server, with the engine's search attributes). */
  readonly temporalAddress: string;
  readonly temporalNamespace: string;
  /** The control plane: API server URL, CA material and the admin kubeconfig path. */
  readonly kube: ControlPlaneAccess;
}

/** Servers started by {@link startTestServers}. */
export interface TestServers extends TestServerAddresses {
  /** Stops every server and removes its working folder. Harmless to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startTestServers}. */
export interface TestServersOptions {
  /**
   * `minimal`: etcd and kube-apiserver (fast). `full` (default): also kube-controller-manager, kube-scheduler and a
   * kwok node, so Deployments get Pods that become Ready and owner references garbage-collect.
   */
  readonly profile?: ControlPlaneProfile;
  /** Progress lines (which binary comes from where, server start-up); silent by default. */
  readonly log?: (message: string) => void;
}

/** Environment variable through which started servers are handed to test processes: JSON {@link TestServerAddresses}. */
export const TEST_SERVERS_ENV = 'STAIRCASE_TEST_SERVERS';

/**
 * Starts a real Temporal dev server and a real Kubernetes control plane on loopback ports.
 *
 * Binaries come from `TEMPORAL_CLI_PATH`, `KUBEBUILDER_ASSETS`, the cache (`~/.cache/staircase`), `PATH`, a Go
 * build or a download, in that order (see the README's "The servers").
 *
 * Guarantees: no server outlives the process that started it, even when that process is killed.
 * @throws {TestServersUnavailableError} naming the missing binary and how to provide it.
 */
export async function startTestServers(options: TestServersOptions = {}): Promise<TestServers> {
  const workDir = await mkdtemp(join(tmpdir(), 'staircase-test-'));
  try {
    const env = await startDevEnvironment({
      sources: binarySourcesFromEnv(process.env),
      workDir,
      profile: options.profile ?? 'full',
      ...(options.log ? { log: options.log } : {}),
    });
    let stopped: Promise<void> | undefined;
    return {
      temporalAddress: env.temporal.address,
      temporalNamespace: env.temporal.namespace,
      kube: env.kube.access,
      stop: () => {
        stopped ??= env.stop().then(() => rm(workDir, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    const message = error instanceof Error ? error.message : String(error);
    throw new TestServersUnavailableError(
      `could not start the test servers: ${message}\n` +
        'Run `npx staircase provision` (or set TEMPORAL_CLI_PATH / KUBEBUILDER_ASSETS) to get them.',
      { cause: error },
    );
  }
}

/**
 * A test runner's global set-up: starts the servers once for the whole run and hands their addresses to every
 * test process through {@link TEST_SERVERS_ENV}. Returns the teardown. As a vitest `globalSetup` module:
 * `export default provideTestServers;`.
 */
export async function provideTestServers(): Promise<() => Promise<void>> {
  const servers = await startTestServers();
  process.env[TEST_SERVERS_ENV] = JSON.stringify(addressesOf(servers));
  return () => servers.stop();
}

let ownServers: Promise<TestServers> | undefined;

/**
 * The servers of this test run: those a global set-up provided through {@link TEST_SERVERS_ENV}, else servers
 * started once for this process (stopped when it exits).
 */
export async function useTestServers(env: NodeJS.ProcessEnv = process.env): Promise<TestServerAddresses> {
  const provided = env[TEST_SERVERS_ENV];
  if (provided) return JSON.parse(provided) as TestServerAddresses;
  ownServers ??= startTestServers();
  return addressesOf(await ownServers);
}

function addressesOf(servers: TestServerAddresses): TestServerAddresses {
  return {
    temporalAddress: servers.temporalAddress,
    temporalNamespace: servers.temporalNamespace,
    kube: servers.kube,
  };
}
