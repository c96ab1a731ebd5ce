/**
 * The server programs the project runs in tests and in `staircase dev`, with their pinned versions and where
 * each comes from. Bump a version here and in the matching wrapper module under `tools/servers/`.
 */

/** Names of the binaries the dev environment can run. */
export type BinaryName =
  | 'temporal'
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'kwok'
  | 'kwok-stages'
  | 'temporal-server'
  | 'temporal-sql-tool'
  | 'temporal-ui-server';

/** Where a prebuilt binary can be downloaded from, for machines with internet but no Go. */
export interface DownloadSource {
  readonly url: string;
  /** Path of the binary inside a `.tar.gz` archive; absent when the URL is the binary itself. */
  readonly memberPath?: string;
}

/** A group of binaries built from one wrapper Go module under `tools/servers/<moduleDir>`. */
export interface ServerComponent {
  readonly name: string;
  readonly version: string;
  readonly moduleDir: string;
  /** Go package of each binary built by this component. */
  readonly packages: Readonly<Partial<Record<BinaryName, string>>>;
  readonly ldflags: string;
  /** A binary found on PATH is used only when its `--version` output matches. */
  readonly acceptedVersion: RegExp;
  readonly versionArgs: readonly string[];
  /** Upstream release of a binary; `undefined` for binaries only a Go build can make. */
  readonly download: (binary: BinaryName, platform: Platform) => DownloadSource | undefined;
  /** Said when the binary can be neither found, built nor downloaded. */
  readonly howToProvide: string;
}

/** Operating system and CPU in the spelling of upstream release archives. */
export interface Platform {
  readonly os: 'linux' | 'darwin';
  readonly arch: 'amd64' | 'arm64';
}

const KUBERNETES_VERSION = '1.34.4';
const ETCD_VERSION = '3.6.16';
const TEMPORAL_CLI_VERSION = '1.5.1';
const KWOK_VERSION = '0.8.0';
/** The Temporal server the CLI 1.5.1 embeds (its version follows the CLI's), built on its own for the production topology. */
const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The web UI the Temporal CLI 1.5.1 embeds, as a server of its own (assets embedded). */
const TEMPORAL_UI_VERSION = '2.42.1';

function kubeVersionFlags(version: string): string {
  const [major, minor] = version.split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=v${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(' ');
}

const howToProvideKube =
  'install Go 1.26+ so `npm run testenv:provision` can build it, or set KUBEBUILDER_ASSETS to a directory ' +
  'holding etcd, kube-apiserver and kubectl (`setup-envtest use -p path 1.34.x`), or put it on PATH.';

/** Every server component, keyed by name. */
export const SERVER_COMPONENTS = {
  temporal: {
    name: 'temporal',
    version: TEMPORAL_CLI_VERSION,
    moduleDir: 'temporal',
    packages: { temporal: 'github.com/temporalio/cli/cmd/temporal' },
    ldflags: `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
    acceptedVersion: /temporal version 1\.\d+/,
    versionArgs: ['--version'],
    download: (_binary, platform) => ({
      url: `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${platform.os}&arch=${platform.arch}`,
      memberPath: 'temporal',
    }),
    howToProvide:
      'install Go 1.25+ so `npm run testenv:provision` can build it, or set TEMPORAL_CLI_PATH to a Temporal CLI ' +
      'binary (1.x), or put `temporal` on PATH.',
  },
  etcd: {
    name: 'etcd',
    version: ETCD_VERSION,
    moduleDir: 'etcd',
    packages: { etcd: 'go.etcd.io/etcd/server/v3' },
    ldflags: '-s -w',
    acceptedVersion: /etcd Version: 3\.([6-9]|\d\d)\./,
    versionArgs: ['--version'],
    download: (_binary, platform) => {
      const name = `etcd-v${ETCD_VERSION}-${platform.os}-${platform.arch}`;
      return {
        url: `https://github.com/etcd-io/etcd/releases/download/v${ETCD_VERSION}/${name}.tar.gz`,
        memberPath: `${name}/etcd`,
      };
    },
    howToProvide: howToProvideKube,
  },
  kubernetes: {
    name: 'kubernetes',
    version: KUBERNETES_VERSION,
    moduleDir: 'kubernetes',
    packages: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
      kubectl: 'k8s.io/kubernetes/cmd/kubectl',
    },
    ldflags: `-s -w ${kubeVersionFlags(KUBERNETES_VERSION)}`,
    acceptedVersion: /v1\.3[3-9]\./,
    versionArgs: ['--version'],
    download: (binary, platform) => ({
      url: `https://dl.k8s.io/release/v${KUBERNETES_VERSION}/bin/${platform.os}/${platform.arch}/${binary}`,
    }),
    howToProvide: howToProvideKube,
  },
  kwok: {
    name: 'kwok',
    version: KWOK_VERSION,
    moduleDir: 'kwok',
    packages: {
      kwok: 'sigs.k8s.io/kwok/cmd/kwok',
      'kwok-stages': 'staircase.local/servers/kwok/kwok-stages',
    },
    ldflags: '-s -w',
    acceptedVersion: /v0\.([8-9]|\d\d)\./,
    versionArgs: ['--version'],
    download: (binary, platform) =>
      binary === 'kwok'
        ? {
            url: `https://github.com/kubernetes-sigs/kwok/releases/download/v${KWOK_VERSION}/kwok-${platform.os}-${platform.arch}`,
          }
        : undefined,
    howToProvide:
      'install Go 1.26+ so `npm run testenv:provision` can build kwok and kwok-stages (the default stages ' +
      'kwok needs, printed by a small program in tools/servers/kwok).',
  },
  temporalServer: {
    name: 'temporal-server',
    version: TEMPORAL_SERVER_VERSION,
    // The CLI's wrapper module: the CLI embeds this server, so the same dependency versions and a shared build cache.
    moduleDir: 'temporal',
    packages: {
      'temporal-server': 'go.temporal.io/server/cmd/server',
      'temporal-sql-tool': 'go.temporal.io/server/cmd/tools/sql',
    },
    ldflags: '-s -w',
    // Both print `temporal version 1.29.1`; the SQL schemas embedded in the tool must match the server.
    acceptedVersion: /version 1\.29\./,
    versionArgs: ['--version'],
    download: (binary, platform) => ({
      url: `https://github.com/temporalio/temporal/releases/download/v${TEMPORAL_SERVER_VERSION}/temporal_${TEMPORAL_SERVER_VERSION}_${platform.os}_${platform.arch}.tar.gz`,
      memberPath: binary,
    }),
    howToProvide:
      'install Go 1.26+ so `npm run testenv:provision` (`staircase provision --temporal-server`) can build it ' +
      `from go.temporal.io/server v${TEMPORAL_SERVER_VERSION}, or put temporal-server and temporal-sql-tool ` +
      `${TEMPORAL_SERVER_VERSION} on PATH.`,
  },
  temporalUi: {
    name: 'temporal-ui',
    version: TEMPORAL_UI_VERSION,
    moduleDir: 'temporal',
    packages: { 'temporal-ui-server': 'github.com/temporalio/ui-server/v2/cmd/server' },
    ldflags: '-s -w',
    acceptedVersion: /version 2\.42\./,
    versionArgs: ['--version'],
    download: () => undefined,
    howToProvide:
      'install Go 1.26+ so `npm run testenv:provision` (`staircase provision --temporal-server`) can build it ' +
      `from github.com/temporalio/ui-server/v2 v${TEMPORAL_UI_VERSION}.`,
  },
} as const satisfies Record<string, ServerComponent>;

/** The component that provides each binary. */
export function componentOf(binary: BinaryName): ServerComponent {
  const found = Object.values(SERVER_COMPONENTS).find((c: ServerComponent) => binary in c.packages);
  if (!found) throw new Error(`no component provides ${binary}`);
  return found;
}

/**
 * The binaries needed by the minimal control plane, the full one, the Temporal dev server, and the Temporal server
 * of the production topology (with its SQL schema tool and the web UI as a server of its own).
 */
export const BINARY_SETS = {
  temporal: ['temporal'],
  minimal: ['etcd', 'kube-apiserver', 'kubectl'],
  full: [
    'etcd',
    'kube-apiserver',
    'kubectl',
    'kube-controller-manager',
    'kube-scheduler',
    'kwok',
    'kwok-stages',
  ],
  temporalServer: ['temporal-server', 'temporal-sql-tool', 'temporal-ui-server'],
} as const satisfies Record<string, readonly BinaryName[]>;
