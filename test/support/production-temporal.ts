import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binarySourcesFromEnv } from '../../src/devenv/binary-sources.js';
import { BINARY_SETS } from '../../src/devenv/components.js';
import { findPostgres, type Postgres, startPostgres } from '../../src/devenv/postgres.js';
import { type BinaryPaths, pathsOf, provisionBinaries, requireBinary } from '../../src/devenv/provision.js';
import {
  type ClientTlsFiles,
  startTemporalServer,
  type TemporalServer,
  type TemporalServerOptions,
} from '../../src/devenv/temporal-server.js';
import { startTemporalUi, type TemporalUi } from '../../src/devenv/temporal-ui.js';
import type { TokenIssuer } from '../../src/devenv/token-issuer.js';
import { Watchdog } from '../../src/devenv/watchdog.js';

/**
 * The documented TEMPORAL_* variables that point `staircase worker` and `staircase watcher` at a Temporal frontend
 * with mTLS, as the `mtls` Kubernetes overlay sets them (test/topology/settings.test.ts keeps the two in step).
 */
export function temporalClientEnv(
  address: string,
  namespace: string,
  tls: ClientTlsFiles,
): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TLS_CLIENT_CERT_PATH: tls.certFile,
    TEMPORAL_TLS_CLIENT_KEY_PATH: tls.keyFile,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.caFile,
    TEMPORAL_TLS_SERVER_NAME: tls.serverName,
  };
}

/** The Temporal server of the production topology on its PostgreSQL; `stop` ends both and removes their files. */
export interface ProductionTemporal {
  readonly temporal: TemporalServer;
  readonly postgres: Postgres;
  /** The web UI, itself a client of the frontend with a certificate of its own. */
  readonly ui: TemporalUi;
  /** Seconds each part took to start, for the test's log line. */
  readonly timings: Readonly<Record<'binaries' | 'postgres' | 'temporal' | 'ui', number>>;
  stop(): Promise<void>;
}

/** The Temporal server on its PostgreSQL, before the UI: `stop` ends both and removes their files. */
interface ServerOnPostgres {
  readonly temporal: TemporalServer;
  readonly postgres: Postgres;
  readonly binaries: BinaryPaths;
  readonly workDir: string;
  readonly watchdog: Watchdog;
  readonly timings: Readonly<Record<'binaries' | 'postgres' | 'temporal', number>>;
  stop(): Promise<void>;
}

/**
 * Provisions `temporal-server` and `temporal-sql-tool` (building them with Go when the cache lacks them), starts
 * PostgreSQL from the machine's packages and the Temporal server on it: mTLS on the frontend, or with `auth` TLS
 * and API keys.
 *
 * Never skips: a missing binary or PostgreSQL throws an error that says how to provide it.
 */
async function startServerOnPostgres(
  topology: string,
  auth?: TemporalServerOptions['auth'],
): Promise<ServerOnPostgres> {
  const sources = binarySourcesFromEnv(process.env);
  const clock = stopwatch();
  const log = (message: string) => console.log(`[${topology}] ${message}`);
  const binaries = pathsOf(await provisionBinaries(BINARY_SETS.temporalServer, sources, log));
  const binariesSeconds = clock();
  const binDir = await findPostgres(sources);
  const workDir = await mkdtemp(join(tmpdir(), 'staircase-production-'));
  const watchdog = Watchdog.start();
  const postgres = await startPostgres({ binDir, workDir, watchdog }).catch((error: unknown) => {
    watchdog.close();
    throw error;
  });
  const postgresSeconds = clock();
  try {
    const temporal = await startTemporalServer({
      binaries: {
        server: requireBinary(binaries, 'temporal-server'),
        sqlTool: requireBinary(binaries, 'temporal-sql-tool'),
      },
      postgres,
      workDir,
      watchdog,
      ...(auth ? { auth } : {}),
    });
    return {
      temporal,
      postgres,
      binaries,
      workDir,
      watchdog,
      timings: { binaries: binariesSeconds, postgres: postgresSeconds, temporal: clock() },
      stop: async () => {
        await temporal.stop();
        await postgres.stop();
        watchdog.close();
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await postgres.stop();
    watchdog.close();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n(files kept in ${workDir})`, {
      cause: error,
    });
  }
}

/**
 * The production topology's Temporal server with mTLS on the frontend, and the web UI on it.
 *
 * Never skips: a missing binary or PostgreSQL throws an error that says how to provide it.
 */
export async function startProductionTemporal(): Promise<ProductionTemporal> {
  const server = await startServerOnPostgres('production topology');
  const { temporal, postgres, binaries, workDir, watchdog } = server;
  const clock = stopwatch();
  const ui = await startTemporalUi({
    binary: requireBinary(binaries, 'temporal-ui-server'),
    temporalAddress: temporal.address,
    tls: await uiCertificate(temporal, workDir),
    workDir,
    watchdog,
  }).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  return {
    temporal,
    postgres,
    ui,
    timings: { ...server.timings, ui: clock() },
    stop: async () => {
      await ui.stop();
      await server.stop();
    },
  };
}

/** The Temporal server of {@link startApiKeyTemporal}: TLS and API keys on the frontend, no UI. */
export type ApiKeyTemporal = Pick<ServerOnPostgres, 'temporal' | 'postgres' | 'timings' | 'stop'>;

/**
 * The production topology's Temporal server with API keys instead of client certificates: its frontend serves
 * TLS, asks for no client certificate, and accepts the JWTs `issuer` signs (the default claim mapper and
 * authorizer).
 *
 * Never skips: a missing binary or PostgreSQL throws an error that says how to provide it.
 */
export function startApiKeyTemporal(issuer: TokenIssuer): Promise<ApiKeyTemporal> {
  return startServerOnPostgres('api keys', { issuer });
}

/** A client certificate of the UI's own, issued by the CA the frontend trusts. */
async function uiCertificate(temporal: TemporalServer, workDir: string): Promise<ClientTlsFiles> {
  const pair = await temporal.ca.issueClient('temporal-ui', []);
  const certFile = join(workDir, 'tls', 'ui.crt');
  const keyFile = join(workDir, 'tls', 'ui.key');
  await writeFile(certFile, pair.certPem);
  await writeFile(keyFile, pair.keyPem, { mode: 0o600 });
  return { ...temporal.clientTls, certFile, keyFile };
}

function stopwatch(): () => number {
  let last = Date.now();
  return () => {
    const now = Date.now();
    const seconds = Math.round((now - last) / 100) / 10;
    last = now;
    return seconds;
  };
}
