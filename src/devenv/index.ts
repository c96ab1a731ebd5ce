/**
 * The local dev environment: provisions server binaries and starts a real Temporal dev server and a real
 * Kubernetes control plane on loopback. Powers the test harness and `staircase dev`.
 *
 * @packageDocumentation
 */
export { type BinarySources, binarySourcesFromEnv } from './binary-sources.js';
export { BINARY_SETS, type BinaryName, SERVER_COMPONENTS, type ServerComponent } from './components.js';
export {
  type ControlPlaneOptions,
  type ControlPlaneProfile,
  type KubeControlPlane,
  startControlPlane,
} from './control-plane.js';
export { type DevEnvironment, type DevEnvironmentOptions, startDevEnvironment } from './dev-environment.js';
export {
  BinaryNotFoundError,
  DownloadError,
  GoBuildError,
  ServerStartError,
  WaitTimeoutError,
} from './errors.js';
export { type CrdObject, CrdRejectedError, type InstallCrdOptions, installCrd } from './install-crd.js';
export { type ControlPlaneAccess, type KubeconfigFile, mintKubeconfig } from './kube-access.js';
export { type ManagedProcess, startProcess } from './managed-process.js';
export { type BinaryPaths, pathsOf, provisionBinaries } from './provision.js';
export { type ProgressLog, type ResolvedBinary, resolveBinary } from './resolve-binary.js';
export {
  startTemporalDevServer,
  type TemporalDevServer,
  type TemporalDevServerOptions,
} from './temporal-dev-server.js';
export { Watchdog } from './watchdog.js';
