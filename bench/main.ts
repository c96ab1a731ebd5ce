/**
 * `npm run bench`: Staircase against an in-process controller and the raw-write floor, on real servers, in one
 * run (issue 12). See docs/performance.md for what it measures and how to read it.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Greeting } from '../examples/greeting/operator.js';
import { binarySourcesFromEnv, installCrd, startDevEnvironment } from '../src/devenv/index.js';
import { loadKubeConfig } from '../src/runtime/kube-config.js';
import { closePooledConnections, poolConnections } from '../src/runtime/kube-pool.js';
import { prepareRelease } from './build.js';
import { type BurstResult, runBurst, type SystemName } from './burst.js';
import { greetingClients } from './greetings.js';
import { type IdleResult, runIdle } from './idle.js';
import { parseOptions } from './options.js';
import { machine } from './proc.js';
import { type BenchResults, printTable, writeChart, writeDocs } from './report.js';

const SYSTEMS: readonly SystemName[] = ['floor', 'inProcess', 'staircase'];
const log = (line: string) => console.log(`[bench] ${line}`);

const options = parseOptions(process.argv.slice(2));
if (options) {
  const startedAt = new Date();
  const release = await prepareRelease({ build: options.build, log });
  const workDir = await mkdtemp(join(tmpdir(), 'staircase-bench-'));
  log(`starting Temporal, etcd and kube-apiserver (logs in ${workDir})…`);
  const env = await startDevEnvironment({
    sources: binarySourcesFromEnv(process.env),
    workDir,
    profile: 'minimal',
    log: () => {},
  });
  const kube = poolConnections(loadKubeConfig({ file: env.kube.admin.path, fallback: 'default' }));
  const connection = await Connection.connect({ address: env.temporal.address });
  try {
    await installCrd(kube, Greeting.crd());
    const servers = [
      { name: 'temporal', pid: env.temporal.process.pid },
      ...env.kube.processes.map((p) => ({ name: p.name, pid: p.pid })),
    ];
    const context = {
      watchdog: env.watchdog,
      logDir: workDir,
      kubeconfig: env.kube.admin.path,
      temporalAddress: env.temporal.address,
      temporalNamespace: env.temporal.namespace,
      release,
      clients: greetingClients(kube),
      temporal: new Client({ connection, namespace: env.temporal.namespace }),
      servers,
      edits: options.edits,
      workers: options.workers,
      log,
    };
    const bursts: BurstResult[] = [];
    for (const n of options.sizes)
      for (const system of SYSTEMS) {
        log(`${system}: burst of ${n}…`);
        bursts.push(await runBurst(context, system, n));
      }
    let idle: IdleResult | undefined;
    if (options.idle > 0)
      idle = await runIdle(context, {
        count: options.idle,
        minutes: options.idleMinutes,
        ...(options.idleResyncMinutes === undefined ? {} : { resyncMinutes: options.idleResyncMinutes }),
      });
    const results: BenchResults = {
      version: 1,
      startedAt: startedAt.toISOString(),
      durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: machine(),
      settings: {
        sizes: options.sizes,
        edits: options.edits,
        inProcessWorkers: options.workers,
        idleResources: options.idle,
        idleMinutes: options.idleMinutes,
        ...(options.idleResyncMinutes === undefined ? {} : { idleResyncMinutes: options.idleResyncMinutes }),
      },
      bursts,
      ...(idle ? { idle } : {}),
    };
    printTable(results);
    const out = resolve(options.out);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    await writeChart(results, join(dirname(out), 'burst.svg'));
    log(`wrote ${out} and ${join(dirname(out), 'burst.svg')}`);
    if (options.docs) log(`wrote ${(await writeDocs(results, out)).join(', ')}`);
  } finally {
    await closePooledConnections(kube);
    await connection.close();
    await env.stop();
    await release.remove();
  }
}
