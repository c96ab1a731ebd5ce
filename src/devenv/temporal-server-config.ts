/**
 * The Temporal server's configuration for the production topology: PostgreSQL persistence (`postgres12` plugin,
 * one database for workflows and one for visibility) and mutual TLS on the frontend. Pure: it renders data, the
 * caller writes the files.
 */

/** The four services of a single-process Temporal server. */
export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
type Service = (typeof TEMPORAL_SERVICES)[number];

/** PEM files of the frontend's TLS: its serving pair, the CA its clients must be signed by, the system worker's. */
export interface FrontendTlsFiles {
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Trusted to sign client certificates (and the server's own certificate, for the system worker). */
  readonly caFile: string;
  /** The name the server certificate carries and clients verify. */
  readonly serverName: string;
  /** Client certificate of the server's own system workers, which call the frontend like any client. */
  readonly systemWorkerCertFile: string;
  readonly systemWorkerKeyFile: string;
}

/** Inputs of {@link temporalServerConfig}. */
export interface TemporalServerConfigInput {
  /** gRPC and membership port of each service; the frontend's gRPC port is the one clients use. */
  readonly ports: Readonly<Record<Service, { readonly grpc: number; readonly membership: number }>>;
  readonly postgres: { readonly host: string; readonly port: number; readonly user: string };
  readonly tls: FrontendTlsFiles;
  readonly dynamicConfigFile: string;
  /** Fixed for the life of a database: a cluster cannot change it later. */
  readonly numHistoryShards?: number;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The database names the `postgres12` datastores use (also what `temporal-sql-tool` creates). */
export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * The server's YAML configuration as data (`temporal-server --config DIR --env NAME start` reads `DIR/NAME.yaml`).
 *
 * Guarantees: the frontend refuses a client without a certificate signed by `tls.caFile`
 * (`requireClientAuth`); the other services listen on loopback only, without TLS.
 */
export function temporalServerConfig(input: TemporalServerConfigInput): Record<string, unknown> {
  const frontend = `127.0.0.1:${input.ports.frontend.grpc}`;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${input.postgres.host}:${input.postgres.port}`,
      connectProtocol: 'tcp',
      user: input.postgres.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const { tls } = input;
  return {
    log: { stdout: true, level: input.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: input.numHistoryShards ?? 4,
      datastores: {
        'postgres-default': datastore(TEMPORAL_DATABASES.default, 20),
        'postgres-visibility': datastore(TEMPORAL_DATABASES.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      pprof: { port: 0 },
      tls: {
        frontend: {
          server: {
            certFile: tls.serverCertFile,
            keyFile: tls.serverKeyFile,
            clientCaFiles: [tls.caFile],
            requireClientAuth: true,
          },
          client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
        },
        systemWorker: {
          certFile: tls.systemWorkerCertFile,
          keyFile: tls.systemWorkerKeyFile,
          client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
        },
      },
    },
    services: Object.fromEntries(
      TEMPORAL_SERVICES.map((service) => [
        service,
        {
          rpc: {
            grpcPort: input.ports[service].grpc,
            membershipPort: input.ports[service].membership,
            bindOnLocalHost: true,
            // No HTTP API: clients use gRPC, and one listener is one less to secure.
            ...(service === 'frontend' ? { httpPort: 0 } : {}),
          },
        },
      ]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: frontend },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * Dynamic configuration for a test server: search attributes and a namespace registered a moment ago are usable
 * at once (by default the server's caches may take up to a minute, or ten seconds, to see them).
 */
export function temporalDynamicConfig(): Record<string, unknown> {
  return {
    'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
    'system.namespaceCacheRefreshInterval': [{ value: '1s', constraints: {} }],
  };
}
