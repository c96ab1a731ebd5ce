import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { stringify } from 'yaml';
import { ALL_SEARCH_ATTRIBUTE_KEYS, type AnySearchAttributeKey } from '../core/search-attributes.js';
import { ServerSetupError } from './errors.js';
import { type ManagedProcess, startProcess } from './managed-process.js';
import { CertificateAuthority, type CertifiedKey } from './pki.js';
import { freePort, freePortBetween } from './ports.js';
import type { Postgres } from './postgres.js';
import { awaitReady } from './server-start.js';
import { createTemporalSchemas } from './temporal-schema.js';
import { temporalDynamicConfig, temporalServerConfig, temporalServices } from './temporal-server-config.js';
import type { TokenIssuer } from './token-issuer.js';
import { waitFor } from './wait.js';
import type { Watchdog } from './watchdog.js';

// A CommonJS module whose exports Node cannot name statically: import the default and destructure.
const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Options for {@link startTemporalServer}. */
export interface TemporalServerOptions {
  /** Paths of `temporal-server` and `temporal-sql-tool` (component `temporal-server`). */
  readonly binaries: { readonly server: string; readonly sqlTool: string };
  /** A running PostgreSQL whose superuser may create databases ({@link startPostgres}). */
  readonly postgres: Pick<Postgres, 'host' | 'port' | 'user'>;
  /** Folder for the configuration, the certificates and the log. */
  readonly workDir: string;
  readonly watchdog: Watchdog;
  /** Temporal namespace to register; `default` when absent. */
  readonly namespace?: string;
  /** Search attributes to register on it; the project's own when absent. */
  readonly searchAttributes?: readonly AnySearchAttributeKey[];
  /**
   * API keys instead of client certificates: the frontend serves TLS without asking for a client certificate and
   * accepts the JWTs `issuer` signs (its JWKS is served on loopback for the server's life).
   */
  readonly auth?: { readonly issuer: TokenIssuer };
  readonly startTimeoutMs?: number;
}

/** PEM files a client needs to reach the frontend over mutual TLS (the CLI's `--tls-*` flags). */
export interface ClientTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** The name in the server's certificate (`--tls-server-name`); the address is an IP. */
  readonly serverName: string;
}

/**
 * A running Temporal server (all services in one process) on PostgreSQL, with mTLS on the frontend, or TLS and API
 * keys.
 */
export interface TemporalServer {
  /** `host:port` of the frontend. */
  readonly address: string;
  readonly namespace: string;
  /** A client certificate the frontend accepts, with the CA that signed the server's. */
  readonly clientTls: ClientTlsFiles;
  /** The CA the frontend trusts: issue more client certificates with `ca.issueClient`. */
  readonly ca: CertificateAuthority;
  readonly process: ManagedProcess;
  /** Stops the server and waits for it to exit (the database is the caller's). Harmless to call twice. */
  stop(): Promise<void>;
}

const SERVER_NAME = 'localhost';

/**
 * Sets up the schemas, writes the configuration and certificates, starts `temporal-server`, and registers the
 * namespace and the search attributes over the mTLS connection, as an operator of a real cluster would.
 *
 * Guarantees: resolves only once the namespace exists and every search attribute is listed on it.
 *
 * @throws {ServerSetupError} when a schema or registration step fails; {@link ServerStartError} (with the log's
 * tail) when the server does not come up in time.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  await mkdir(join(options.workDir, 'tls'), { recursive: true });
  const namespace = options.namespace ?? 'default';
  const attributes = options.searchAttributes ?? ALL_SEARCH_ATTRIBUTE_KEYS;
  await createTemporalSchemas(options.binaries.sqlTool, options.postgres);
  const { ca, tls, clientTls } = await writeCertificates(join(options.workDir, 'tls'));
  const jwks = await options.auth?.issuer.serveJwks();
  const auth = jwks ? { keySourceUri: jwks.url } : undefined;
  const services = temporalServices(auth);

  const ports = Object.fromEntries(
    await Promise.all(
      services.map(
        async (s) =>
          [s, { grpc: await freePort(), membership: await freePortBetween(20_000, 32_767) }] as const,
      ),
    ),
  ) as Parameters<typeof temporalServerConfig>[0]['ports'];
  const dynamicConfigFile = join(options.workDir, 'dynamicconfig.yaml');
  await writeFile(dynamicConfigFile, stringify(temporalDynamicConfig()));
  const config = temporalServerConfig({
    ports,
    postgres: options.postgres,
    tls,
    dynamicConfigFile,
    ...(auth ? { auth } : {}),
  });
  await mkdir(join(options.workDir, 'config'), { recursive: true });
  await writeFile(join(options.workDir, 'config', 'staircase.yaml'), stringify(config));

  const server = startProcess({
    name: 'temporal-server',
    command: options.binaries.server,
    args: [
      ...['--root', options.workDir, '--config', 'config', '--env', 'staircase', '--allow-no-auth', 'start'],
      ...services.flatMap((service) => ['--service', service]),
    ],
    logFile: join(options.workDir, `temporal-server-${ports.frontend.grpc}.log`),
    watchdog: options.watchdog,
  });
  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const connectionOptions = {
    address,
    tls: {
      serverNameOverride: SERVER_NAME,
      serverRootCACertificate: Buffer.from(ca.certPem),
      ...(options.auth
        ? {}
        : {
            clientCertPair: {
              crt: Buffer.from(clientTls.pem.certPem),
              key: Buffer.from(clientTls.pem.keyPem),
            },
          }),
    },
    // As a cluster's operator would: namespaces and search attributes need the system-wide admin role.
    ...(options.auth
      ? {
          apiKey: options.auth.issuer.sign({
            subject: 'temporal-setup',
            permissions: ['temporal-system:admin'],
          }),
        }
      : {}),
  };
  const stop = async () => {
    await server.stop();
    await jwks?.close();
  };
  const connection = await awaitReady(
    server,
    () => Connection.connect({ ...connectionOptions, connectTimeout: 1_000 }),
    {
      what: `Temporal server at ${address}`,
      timeoutMs: options.startTimeoutMs ?? 90_000,
    },
  ).catch(async (error: unknown) => {
    await jwks?.close();
    throw error;
  });
  try {
    await register(connection, namespace, attributes);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await connection.close();
  }
  return {
    address,
    namespace,
    clientTls: clientTls.files,
    ca,
    process: server,
    stop,
  };
}

async function writeCertificates(dir: string) {
  const ca = await CertificateAuthority.create('staircase temporal CA');
  const write = async (name: string, pair: CertifiedKey) => {
    await writeFile(join(dir, `${name}.crt`), pair.certPem);
    await writeFile(join(dir, `${name}.key`), pair.keyPem, { mode: 0o600 });
    return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  };
  const caFile = join(dir, 'ca.crt');
  await writeFile(caFile, ca.certPem);
  const serving = await write(
    'frontend',
    await ca.issueServing(SERVER_NAME, { dnsNames: [SERVER_NAME], ipAddresses: ['127.0.0.1'] }),
  );
  const systemWorker = await write('system-worker', await ca.issueClient('temporal-system-worker', []));
  const clientPem = await ca.issueClient('staircase', []);
  const client = await write('client', clientPem);
  return {
    ca,
    tls: {
      serverCertFile: serving.certFile,
      serverKeyFile: serving.keyFile,
      caFile,
      serverName: SERVER_NAME,
      systemWorkerCertFile: systemWorker.certFile,
      systemWorkerKeyFile: systemWorker.keyFile,
    },
    clientTls: { pem: clientPem, files: { ...client, caFile, serverName: SERVER_NAME } },
  };
}

/** Registers the namespace (if new) and the search attributes (if missing), then waits until both are visible. */
async function register(
  connection: Connection,
  namespace: string,
  attributes: readonly AnySearchAttributeKey[],
): Promise<void> {
  const step = async <T>(what: string, call: () => Promise<T>) =>
    call().catch((error: unknown) => {
      throw new ServerSetupError('temporal-server', what, String(error), { cause: error });
    });
  const known = await connection.workflowService.listNamespaces({});
  if (!known.namespaces?.some((n) => n.namespaceInfo?.name === namespace))
    await step(`registering namespace ${namespace}`, () =>
      connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      }),
    );
  const registered = async () =>
    new Set(
      Object.keys(
        (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {},
      ),
    );
  const before = await waitFor(registered, { what: `namespace ${namespace}`, timeoutMs: 30_000 });
  const missing = attributes.filter((key) => !before.has(key.name));
  if (missing.length > 0)
    await step('adding search attributes', () =>
      connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
        ),
      }),
    );
  await waitFor(
    async () => {
      const now = await registered();
      return attributes.every((key) => now.has(key.name)) ? true : undefined;
    },
    { what: `search attributes on ${namespace}`, timeoutMs: 30_000, intervalMs: 200 },
  );
}
