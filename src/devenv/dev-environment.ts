import { join } from 'node:path';
import type { BinarySources } from './binary-sources.js';
import { BINARY_SETS } from './components.js';
import { type ControlPlaneProfile, type KubeControlPlane, startControlPlane } from './control-plane.js';
import { type BinaryPaths, pathsOf, provisionBinaries, requireBinary } from './provision.js';
import type { ProgressLog } from './resolve-binary.js';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-dev-server.js';
import { Watchdog } from './watchdog.js';

/** Options for {@link startDevEnvironment}. */
export interface DevEnvironmentOptions {
  readonly sources: BinarySources;
  /** Folder for logs, certificates and data of every server. */
  readonly workDir: string;
  readonly profile?: ControlPlaneProfile;
  /** Serve the Temporal web UI. */
  readonly temporalUi?: boolean;
  readonly log?: ProgressLog;
}

/** A Temporal dev server and a Kubernetes control plane, started together. */
export interface DevEnvironment {
  readonly temporal: TemporalDevServer;
  readonly kube: KubeControlPlane;
  /** Paths of the server binaries in use. */
  readonly binaries: BinaryPaths;
  /** Kills the servers should this process die before {@link DevEnvironment.stop} runs. */
  readonly watchdog: Watchdog;
  /** Stops both, control plane first. Harmless to call twice. */
  stop(): Promise<void>;
}

/**
 * Provisions the binaries, then starts the Temporal dev server and the control plane side by side.
 *
 * Guarantees: no server outlives this process (see {@link Watchdog}); when it throws, everything it started is
 * stopped.
 * @throws {BinaryNotFoundError | ServerStartError}
 */
export async function startDevEnvironment(options: DevEnvironmentOptions): Promise<DevEnvironment> {
  const log = options.log ?? (() => {});
  const profile = options.profile ?? 'full';
  const binaries = pathsOf(
    await provisionBinaries([...BINARY_SETS.temporal, ...BINARY_SETS[profile]], options.sources, log),
  );
  const watchdog = Watchdog.start();
  log(`starting Temporal and the ${profile} Kubernetes control plane…`);
  const [temporal, kube] = await Promise.allSettled([
    startTemporalDevServer({
      binary: requireBinary(binaries, 'temporal'),
      workDir: join(options.workDir, 'temporal'),
      watchdog,
      ui: options.temporalUi ?? false,
    }),
    startControlPlane({ binaries, workDir: join(options.workDir, 'kube'), watchdog, profile }),
  ]);
  if (temporal.status === 'rejected' || kube.status === 'rejected') {
    if (temporal.status === 'fulfilled') await temporal.value.stop();
    if (kube.status === 'fulfilled') await kube.value.stop();
    watchdog.close();
    throw temporal.status === 'rejected' ? temporal.reason : (kube as PromiseRejectedResult).reason;
  }
  const stop = async () => {
    await kube.value.stop();
    await temporal.value.stop();
    watchdog.close();
  };
  return { temporal: temporal.value, kube: kube.value, binaries, watchdog, stop };
}
