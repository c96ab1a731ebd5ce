/**
 * The Temporal server's configuration for the production topology: PostgreSQL persistence (`postgres12` plugin,
 * one database for workflows and one for visibility) and mutual TLS on the frontend, or TLS and API keys (JWTs
 * checked by the server's default claim mapper and authorizer). Pure: it renders data, the caller writes the files.
 */

/** The four services of a single-process Temporal server. */
export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
type Service = (typeof TEMPORAL_SERVICES)[number];

/**
 * The frontend the server's own system worker calls when an authorizer guards the public one: it listens on
 * loopback and grants its callers admin claims, so the system worker needs no API key.
 */
export const INTERNAL_FRONTEND = 'internal-frontend';

/** The services to start (`temporal-server start --service S` each): with API keys, the internal frontend too. */
export function temporalServices(auth: ApiKeyAuth | undefined): readonly string[] {
  return auth ? [...TEMPORAL_SERVICES, INTERNAL_FRONTEND] : TEMPORAL_SERVICES;
}

/** API keys on the frontend: JWTs signed by a key the JWKS at `keySourceUri` holds. */
export interface ApiKeyAuth {
  /** An `http(s)` URL of a JSON Web Key Set (the server fetches it at start and then every `refreshInterval`). */
  readonly keySourceUri: string;
  /** Go duration; `1m` when absent. */
  readonly refreshInterval?: string;
}

type ServicePorts = { readonly grpc: number; readonly membership: number };

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
  readonly ports: Readonly<Record<Service, ServicePorts>> & { readonly [INTERNAL_FRONTEND]?: ServicePorts };
  readonly postgres: { readonly host: string; readonly port: number; readonly user: string };
  readonly tls: FrontendTlsFiles;
  readonly dynamicConfigFile: string;
  /**
   * API keys instead of client certificates: the frontend still serves TLS but asks for no client certificate,
   * and refuses a call whose bearer token does not grant its namespace the role the call needs. Needs the
   * internal frontend's ports.
   */
  readonly auth?: ApiKeyAuth;
  /** Fixed for the life of a database: a cluster cannot change it later. */
  readonly numHistoryShards?: number;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The database names the `postgres12` datastores use (also what `temporal-sql-tool` creates). */
export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * The server's YAML configuration as data (`temporal-server --config DIR --env NAME start` reads `DIR/NAME.yaml`).
 *
 * Guarantees: without `auth`, the frontend refuses a client without a certificate signed by `tls.caFile`
 * (`requireClientAuth`); with `auth`, it refuses a call without a valid API key granting the role the call needs
 * (a token without permissions gets no role); the other services listen on loopback only, without TLS.
 *
 * @throws {Error} when `auth` is given without the internal frontend's ports.
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
  const { tls, auth } = input;
  const internalFrontend = input.ports[INTERNAL_FRONTEND];
  if (auth && !internalFrontend) throw new Error(`API keys need ports for the ${INTERNAL_FRONTEND} service`);
  const services: [string, ServicePorts][] = TEMPORAL_SERVICES.map((s) => [s, input.ports[s]]);
  if (auth && internalFrontend) services.push([INTERNAL_FRONTEND, internalFrontend]);
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
            requireClientAuth: !auth,
          },
          client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
        },
        systemWorker: {
          certFile: tls.systemWorkerCertFile,
          keyFile: tls.systemWorkerKeyFile,
          client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
        },
      },
      ...(auth ? { authorization: authorization(auth) } : {}),
    },
    services: Object.fromEntries(
      services.map(([service, ports]) => [
        service,
        {
          rpc: {
            grpcPort: ports.grpc,
            membershipPort: ports.membership,
            bindOnLocalHost: true,
            // No HTTP API: clients use gRPC, and one listener is one less to secure.
            ...(service === 'frontend' || service === INTERNAL_FRONTEND ? { httpPort: 0 } : {}),
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
    // With an internal frontend the system worker finds it through membership; the server refuses both at once.
    ...(auth ? {} : { publicClient: { hostPort: frontend } }),
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** The default JWT claim mapper and authorizer: `permissions: ["<namespace>:<read|write|worker|admin>"]`. */
function authorization(auth: ApiKeyAuth) {
  return {
    jwtKeyProvider: { keySourceURIs: [auth.keySourceUri], refreshInterval: auth.refreshInterval ?? '1m' },
    permissionsClaimName: 'permissions',
    authorizer: 'default',
    claimMapper: 'default',
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
