/**
 * `npm run chaos`: the fault-injection suite (issue 11). Prints the seed first, then progress lines, then ONE line
 * of figures; exits 1 naming every violation and the seed, 2 when the run itself could not be carried out.
 * See docs/chaos.md.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { engineBundle } from '../src/testing/index.js';
import { type ChaosOptions, parseChaosOptions } from './options.js';
import { type Replica, startReplicas } from './processes.js';
import { runChaos } from './run.js';
import { type ChaosServers, startChaosServers } from './servers.js';
import { summaryLine } from './verdict.js';

const NAMESPACE = 'chaos';
const started = Date.now();
const log = (line: string) => console.log(`[chaos ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);

async function main(options: ChaosOptions): Promise<number> {
  const replay = `npm run chaos -- --seed ${options.seed} --seconds ${options.durationMs / 1000}`;
  console.log(`chaos seed=${options.seed} (replay: ${replay})`);
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'staircase-chaos-')));
  await mkdir(workDir, { recursive: true });
  log(`servers and processes write to ${workDir}`);
  let servers: ChaosServers | undefined;
  const replicas: Replica[] = [];
  let connection: Connection | undefined;
  try {
    servers = await startChaosServers(workDir, log);
    await servers.kube.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const workflowBundle = join(workDir, 'workflow-bundle.js');
    await writeFile(workflowBundle, (await engineBundle()).code);
    const processContext = {
      watchdog: servers.watchdog,
      logDir: workDir,
      temporalAddress: servers.temporalAddress,
      kubeconfigPath: servers.kubeconfigPath,
      dnsUrl: servers.dns.url,
      workflowBundle,
      namespace: NAMESPACE,
      log,
    };
    const [worker, watcher] = await Promise.all([
      startReplicas('worker', options.workers, processContext),
      startReplicas('watcher', options.watchers, processContext),
    ]);
    replicas.push(...worker, ...watcher);
    log(`${options.workers} worker(s) and ${options.watchers} watcher(s) ready`);
    connection = await Connection.connect({ address: servers.temporalAddress });
    const temporal = new Client({ connection, namespace: 'default' });
    const result = await runChaos({
      options,
      servers,
      replicas: { worker, watcher },
      temporal,
      namespace: NAMESPACE,
      startedAt: started,
      log,
    });
    console.log(summaryLine(result.figures));
    if (result.violations.length === 0) return 0;
    for (const v of result.violations) console.error(`VIOLATION ${v.kind}: ${v.detail}`);
    console.error(
      `chaos: ${result.violations.length} violation(s) with seed ${options.seed} (replay: ${replay}; logs in ${workDir})`,
    );
    return 1;
  } catch (error) {
    console.error(`chaos: the run could not be carried out (seed ${options.seed}, logs in ${workDir}):`);
    console.error(error);
    return 2;
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await connection?.close();
    await servers?.stop();
  }
}

const options = parseChaosOptions(process.argv.slice(2));
process.exitCode = options ? await main(options) : 0;
// Lingering handles (a client's reconnect timer) must not keep a finished run alive.
process.exit();
