import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ManagedProcess, startProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { awaitReady } from './server-start.js';
import type { Watchdog } from './watchdog.js';

/** A running single-member etcd. */
export interface RunningEtcd {
  readonly clientUrl: string;
  readonly process: ManagedProcess;
}

/**
 * Starts etcd on free loopback ports with its data in `workDir/etcd-data`, fsync disabled (test speed over
 * durability), and waits until `/health` reports healthy.
 *
 * @throws {ServerStartError}
 */
export async function startEtcd(
  binary: string,
  workDir: string,
  watchdog: Watchdog,
  timeoutMs: number,
): Promise<RunningEtcd> {
  const dataDir = join(workDir, 'etcd-data');
  await mkdir(dataDir, { recursive: true });
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const etcd = startProcess({
    name: 'etcd',
    command: binary,
    args: [
      '--name=default',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logFile: join(workDir, 'etcd.log'),
    watchdog,
  });
  await awaitReady(etcd, () => etcdHealthy(clientUrl), { what: `etcd at ${clientUrl}`, timeoutMs });
  return { clientUrl, process: etcd };
}

async function etcdHealthy(clientUrl: string): Promise<true | undefined> {
  const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { health?: string };
  return body.health === 'true' ? true : undefined;
}
