import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type ManagedProcess, startProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { awaitReady } from './server-start.js';
import type { ClientTlsFiles } from './temporal-server.js';
import type { Watchdog } from './watchdog.js';

/** Options for {@link startTemporalUi}. */
export interface TemporalUiOptions {
  /** Path of `temporal-ui-server` (component `temporal-ui`). */
  readonly binary: string;
  /** The frontend's `host:port`. */
  readonly temporalAddress: string;
  /** The UI's own client certificate for the frontend's mTLS, and the CA and name to verify the frontend by. */
  readonly tls: ClientTlsFiles;
  readonly namespace?: string;
  /** Folder for the configuration and the log. */
  readonly workDir: string;
  readonly watchdog: Watchdog;
  readonly startTimeoutMs?: number;
}

/** A running Temporal web UI server on loopback (plain HTTP), talking to the frontend over mTLS. */
export interface TemporalUi {
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts the Temporal UI server (`github.com/temporalio/ui-server`, the UI the dev server embeds) for a frontend
 * that requires client certificates, as a cluster operator runs it beside the server.
 *
 * Guarantees: resolves once the UI answers its settings API.
 *
 * @throws {ServerStartError} with the log's tail when it does not come up in time.
 */
export async function startTemporalUi(options: TemporalUiOptions): Promise<TemporalUi> {
  const configDir = join(options.workDir, 'ui-config');
  await mkdir(configDir, { recursive: true });
  const port = await freePort();
  const config = {
    temporalGrpcAddress: options.temporalAddress,
    host: '127.0.0.1',
    port,
    enableUi: true,
    defaultNamespace: options.namespace ?? 'default',
    notifyOnNewVersion: false,
    tls: {
      caFile: options.tls.caFile,
      certFile: options.tls.certFile,
      keyFile: options.tls.keyFile,
      serverName: options.tls.serverName,
      enableHostVerification: true,
    },
  };
  await writeFile(join(configDir, 'staircase.yaml'), stringify(config));
  const ui = startProcess({
    name: 'temporal-ui-server',
    command: options.binary,
    args: ['--root', options.workDir, '--config', 'ui-config', '--env', 'staircase', 'start'],
    logFile: join(options.workDir, `temporal-ui-${port}.log`),
    watchdog: options.watchdog,
  });
  const url = `http://127.0.0.1:${port}`;
  await awaitReady(ui, async () => ((await fetch(`${url}/api/v1/settings`)).ok ? true : undefined), {
    what: `Temporal UI at ${url}`,
    timeoutMs: options.startTimeoutMs ?? 30_000,
  });
  return { url, process: ui, stop: () => ui.stop() };
}
