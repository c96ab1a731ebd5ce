import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTE_KEYS, type AnySearchAttributeKey } from '../core/search-attributes.js';
import { type ManagedProcess, startProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { awaitReady } from './server-start.js';
import type { Watchdog } from './watchdog.js';

/** Options for {@link startTemporalDevServer}. */
export interface TemporalDevServerOptions {
  /** Path of the Temporal CLI binary. */
  readonly binary: string;
  /** Folder for the log file (and nothing else unless `dbFile` points there). */
  readonly workDir: string;
  readonly watchdog: Watchdog;
  /** Serve the web UI; off by default. */
  readonly ui?: boolean;
  /** Persist to this SQLite file, so a restarted server keeps its workflows; in memory when absent. */
  readonly dbFile?: string;
  /** gRPC port; a free one when absent. Pass the old port to restart a persistent server at the same address. */
  readonly port?: number;
  readonly uiPort?: number;
  /**
   * The web UI's remote codec endpoint (`--ui-codec-endpoint`), e.g. a `staircase codec-server`'s URL, so the UI
   * shows encrypted payloads decoded. Without it each user may set one in the UI.
   */
  readonly uiCodecEndpoint?: string;
  /** Temporal namespace to create; `default` when absent. */
  readonly namespace?: string;
  /** Search attributes to register; the project's own when absent. */
  readonly searchAttributes?: readonly AnySearchAttributeKey[];
  readonly startTimeoutMs?: number;
}

/** A running Temporal dev server. */
export interface TemporalDevServer {
  /** `host:port` for `Connection.connect`. */
  readonly address: string;
  readonly port: number;
  readonly namespace: string;
  /** The web UI's URL when it is served. */
  readonly uiUrl?: string;
  readonly process: ManagedProcess;
  /** Stops the server and waits for it to exit. Harmless to call twice. */
  stop(): Promise<void>;
}

const CLI_TYPE_NAMES: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/**
 * Starts `temporal server start-dev` on loopback and waits until its namespace exists and every requested
 * search attribute is registered.
 *
 * @throws {ServerStartError} with the log's tail when it does not become ready in time.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  await mkdir(options.workDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const namespace = options.namespace ?? 'default';
  const attributes = options.searchAttributes ?? ALL_SEARCH_ATTRIBUTE_KEYS;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  args.push(
    '--log-level',
    'warn',
    '--http-port',
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
  );
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (uiPort !== undefined && options.uiCodecEndpoint)
    args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    args.push('--db-filename', options.dbFile);
    args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  }
  for (const key of attributes) args.push('--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`);

  const server = startProcess({
    name: 'temporal',
    command: options.binary,
    args,
    logFile: join(options.workDir, `temporal-${port}.log`),
    watchdog: options.watchdog,
  });
  const address = `127.0.0.1:${port}`;
  await awaitReady(server, () => probeTemporal(address, namespace, attributes), {
    what: `Temporal at ${address}`,
    timeoutMs: options.startTimeoutMs ?? 60_000,
  });
  return {
    address,
    port,
    namespace,
    ...(uiPort === undefined ? {} : { uiUrl: `http://127.0.0.1:${uiPort}` }),
    process: server,
    stop: () => server.stop(),
  };
}

async function probeTemporal(
  address: string,
  namespace: string,
  attributes: readonly AnySearchAttributeKey[],
): Promise<true | undefined> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const registered = new Set(Object.keys(customAttributes ?? {}));
    return attributes.every((key) => registered.has(key.name)) ? true : undefined;
  } finally {
    await connection.close();
  }
}
