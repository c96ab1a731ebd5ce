import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { Greeting } from '../../examples/greeting/operator.js';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { CertificateAuthority, type CertifiedKey } from '../../src/devenv/pki.js';
import { freePort } from '../../src/devenv/ports.js';
import { appliedSteps, assertEngineGuarantees, runsInHistory } from '../../src/testing/index.js';
import { leadersAmong, startCliWatcher, startCliWorker } from '../support/cli-process.js';
import { createResource, engineBundle, installKind } from '../support/engine.js';
import { readyGreetings as readyCount } from '../support/greetings.js';
import { createTestNamespace, uniqueName } from '../support/kube.js';
import {
  type ProductionTemporal,
  startProductionTemporal,
  temporalClientEnv,
} from '../support/production-temporal.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const operatorModule = fileURLToPath(new URL('../../examples/greeting/operator.ts', import.meta.url));
const RESOURCES = 200;

let production: ProductionTemporal;

/** Runs `staircase ARGS` to its end, configured by flags only, and resolves with its exit code and output. */
async function staircase(args: readonly string[]) {
  try {
    const run = promisify(execFile);
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, ...args], {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A connection to the frontend over TLS, with `client` as its certificate (none when absent). */
function connect(client?: CertifiedKey): Promise<Connection> {
  const { temporal } = production;
  return Connection.connect({
    address: temporal.address,
    connectTimeout: 3_000,
    tls: {
      serverNameOverride: temporal.clientTls.serverName,
      serverRootCACertificate: Buffer.from(temporal.ca.certPem),
      ...(client
        ? { clientCertPair: { crt: Buffer.from(client.certPem), key: Buffer.from(client.keyPem) } }
        : {}),
    },
  });
}

/** Runs `task` over `items`, at most `width` at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width)
    results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  return results;
}

describe('the production topology: Temporal server on PostgreSQL with mTLS, worker and watcher processes', () => {
  beforeAll(async () => {
    production = await startProductionTemporal();
    const { timings, temporal, postgres } = production;
    console.log(
      `[production topology] Temporal ${temporal.address} (mTLS) on PostgreSQL 127.0.0.1:${postgres.port}; ` +
        `binaries ${timings.binaries} s, PostgreSQL ${timings.postgres} s, Temporal with schemas and ` +
        `registration ${timings.temporal} s, UI ${timings.ui} s`,
    );
    await installKind(Greeting);
    // A build on a machine without the cache takes many minutes; the message of a missing server says how to get it.
  }, 30 * 60_000);
  afterAll(() => production?.stop());

  it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
    const { temporal } = production;
    const serverOnly = [
      '--tls-ca',
      temporal.clientTls.caFile,
      '--tls-server-name',
      temporal.clientTls.serverName,
    ];
    const stranger = await (await CertificateAuthority.create('another CA')).issueClient('stranger', []);
    const [noCertificate, sdkWithout, sdkStranger] = await Promise.all([
      staircase([
        'status',
        'Greeting',
        'default/nothing',
        '--temporal-address',
        temporal.address,
        ...serverOnly,
      ]),
      connect().then(
        () => 'connected',
        () => 'refused',
      ),
      connect(stranger).then(
        () => 'connected',
        () => 'refused',
      ),
    ]);
    expect(noCertificate.code).toBe(1);
    expect(noCertificate.stderr).toContain(`cannot reach Temporal at ${temporal.address}`);
    expect([sdkWithout, sdkStranger]).toEqual(['refused', 'refused']);
    await (await connect(await temporal.ca.issueClient('trusted', []))).close();
  });

  it(`two workers and two watchers reconcile ${RESOURCES} resources; a worker and the leading watcher SIGKILLed mid-burst; all Ready, none applied twice; staircase status works`, async () => {
    const started = Date.now();
    const namespace = await createTestNamespace('topo');
    const workDir = await mkdtemp(join(tmpdir(), 'staircase-topology-'));
    // As the container image does: the workflow bundle made once, not by each worker at start-up.
    const bundleFile = join(workDir, 'workflow-bundle.js');
    await writeFile(bundleFile, (await engineBundle()).code);
    const { address, namespace: temporalNamespace, clientTls } = production.temporal;
    const env = {
      ...temporalClientEnv(address, temporalNamespace, clientTls),
      STAIRCASE_OPERATOR: operatorModule,
      STAIRCASE_TASK_QUEUE: uniqueTaskQueue('topology'),
      STAIRCASE_WORKFLOW_BUNDLE: bundleFile,
      KUBECONFIG: inject('kube').adminKubeconfigPath,
    };
    const lease = ['--lease-namespace', namespace, '--lease-duration-ms', '3000', '--lease-retry-ms', '300'];
    const watcherArgs = ['--namespaces', namespace, ...lease];
    const [workerA, workerB, ...watchers] = await Promise.all([
      startCliWorker('worker-a', env, await freePort()),
      startCliWorker('worker-b', env, await freePort()),
      startCliWatcher(uniqueName('watcher-a'), env, watcherArgs),
      startCliWatcher(uniqueName('watcher-b'), env, watcherArgs),
    ]);
    const [leader] = await vi.waitFor(
      async () => {
        const found = await leadersAmong(watchers);
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 20_000, interval: 200 },
    );
    const standby = watchers.find((w) => w !== leader);
    const upAt = Date.now();
    const progress: string[] = [];
    const sampler = setInterval(async () => {
      const seconds = Math.round((Date.now() - upAt) / 1000);
      progress.push(`${seconds}s:${await readyCount(namespace).catch(() => '?')}`);
    }, 10_000);
    onTestFinished(() => clearInterval(sampler));

    const names = Array.from({ length: RESOURCES }, (_, i) => `g-${String(i).padStart(3, '0')}`);
    const create = (name: string) => createResource(Greeting, namespace, name, { message: `hello ${name}` });
    const refs = await inBatches(names.slice(0, RESOURCES / 2), 20, create);
    // Mid-burst: half the resources created, their loops running on both workers.
    workerA?.child.kill('SIGKILL');
    leader?.child.kill('SIGKILL');
    refs.push(...(await inBatches(names.slice(RESOURCES / 2), 20, create)));
    await vi.waitFor(async () => expect(await leadersAmong(standby ? [standby] : [])).toHaveLength(1), {
      timeout: 20_000,
      interval: 200,
    });
    await vi.waitFor(async () => expect(await readyCount(namespace)).toBe(RESOURCES), {
      timeout: 180_000,
      interval: 1_000,
    });
    const convergedAt = Date.now();
    clearInterval(sampler);

    // Histories read over mTLS with a certificate of the test's own.
    const connection = await connect(await production.temporal.ca.issueClient('history-reader', []));
    onTestFinished(() => connection.close());
    const client = new Client({ connection, namespace: production.temporal.namespace });
    const applied = await inBatches(refs, 20, async (ref) => {
      const workflowId = workflowIdFor(ref);
      const runs = await runsInHistory(client, workflowId);
      assertEngineGuarantees(workflowId, runs);
      return { workflowId, steps: appliedSteps(runs) };
    });
    // Applies are local activities, written to history when their workflow task completes: a task the killed worker
    // had in flight is lost with the applies it made, and the worker that takes the loop over finds them done. So a
    // history holds each of the plan's applies at most once, and most hold both.
    for (const { workflowId, steps } of applied) {
      expect(new Set(steps).size, workflowId).toBe(steps.length);
      for (const step of steps) expect(['ensure-configmap', 'record-configmap'], workflowId).toContain(step);
    }
    const complete = applied.filter(({ steps }) => steps.length === 2).length;
    console.log(
      `[topology] ${RESOURCES - complete} of ${RESOURCES} histories lost applies with the killed worker`,
    );
    expect(complete).toBeGreaterThan(RESOURCES / 2);

    const flags = [
      '--temporal-address',
      address,
      '--tls-cert',
      clientTls.certFile,
      '--tls-key',
      clientTls.keyFile,
    ];
    flags.push('--tls-ca', clientTls.caFile, '--tls-server-name', clientTls.serverName);
    const status = await staircase(['status', 'Greeting', `${namespace}/g-000`, ...flags]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'Ready' });

    // The web UI reaches the frontend with its own certificate: its page loads, and its API counts the loops.
    const { url } = production.ui;
    expect((await fetch(url)).status).toBe(200);
    const query = encodeURIComponent(`StaircaseNamespace = "${namespace}"`);
    const counted = await fetch(
      `${url}/api/v1/namespaces/${temporalNamespace}/workflow-count?query=${query}`,
    );
    expect(counted.status, await counted.clone().text()).toBe(200);
    expect(Number(((await counted.json()) as { count?: string }).count)).toBe(RESOURCES);
    console.log(
      `[production topology] ${RESOURCES} Greetings Ready ${((convergedAt - upAt) / 1000).toFixed(1)} s after ` +
        `the processes were up (started in ${((upAt - started) / 1000).toFixed(1)} s); ${workerA?.name} and the ` +
        `leading watcher SIGKILLed after ${RESOURCES / 2} were created; Ready over time: ${progress.join(' ')}; ` +
        `${workerB?.name} survived`,
    );
  }, 420_000);
});
