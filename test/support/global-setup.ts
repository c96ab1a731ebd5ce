import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  type BinaryPaths,
  binarySourcesFromEnv,
  type ControlPlaneAccess,
  startDevEnvironment,
} from '../../src/devenv/index.js';
import { TEST_SERVERS_ENV, type TestServerAddresses } from '../../src/testing/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    kube: ControlPlaneAccess;
    binaries: BinaryPaths;
  }
}

/**
 * Starts one Temporal dev server and one full Kubernetes control plane for the whole test run and hands their
 * addresses to every test file. A missing server binary fails the run with a message saying how to get it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = await mkdtemp(join(tmpdir(), 'staircase-test-'));
  const started = Date.now();
  const env = await startDevEnvironment({
    sources: binarySourcesFromEnv(process.env),
    workDir,
    profile: 'full',
    log: (message) => console.log(`[test servers] ${message}`),
  });
  console.log(
    `[test servers] ready in ${((Date.now() - started) / 1000).toFixed(1)} s: Temporal ${env.temporal.address}, ` +
      `Kubernetes ${env.kube.access.server} (logs in ${workDir})`,
  );
  project.provide('temporalAddress', env.temporal.address);
  project.provide('temporalNamespace', env.temporal.namespace);
  project.provide('kube', env.kube.access);
  project.provide('binaries', env.binaries);
  // Test files that use the testing kit directly (as operator authors do) find the same servers.
  const addresses: TestServerAddresses = {
    temporalAddress: env.temporal.address,
    temporalNamespace: env.temporal.namespace,
    kube: env.kube.access,
  };
  process.env[TEST_SERVERS_ENV] = JSON.stringify(addresses);
  return () => env.stop();
}
