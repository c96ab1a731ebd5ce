import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { Greeting } from '../../examples/greeting/operator.js';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { CertificateAuthority } from '../../src/devenv/pki.js';
import { freePort } from '../../src/devenv/ports.js';
import { appliedSteps, assertEngineGuarantees, runsInHistory } from '../../src/testing/index.js';
import { createResource, engineBundle, installKind } from '../support/engine.js';
import { adminKubeConfig, createTestNamespace, uniqueName } from '../support/kube.js';
import { type ProductionTemporal, startProductionTemporal } from '../support/production-temporal.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { metricValue } from '../support/watcher.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const operatorModule = fileURLToPath(new URL('../../examples/greeting/operator.ts', import.meta.url));
const RESOURCES = 200;
const LEASE_MS = 3_000;

let production: ProductionTemporal;

/** The documented TEMPORAL_* variables for the server's mTLS client certificate, as the manifests set them. */
function temporalEnv(): NodeJS.ProcessEnv {
  const { temporal } = production;
  return {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_TLS_CLIENT_CERT_PATH: temporal.clientTls.certFile,
    TEMPORAL_TLS_CLIENT_KEY_PATH: temporal.clientTls.keyFile,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: temporal.clientTls.caFile,
    TEMPORAL_TLS_SERVER_NAME: temporal.clientTls.serverName,
  };
}

/** Runs `staircase ARGS` to its end (no TEMPORAL_* from the test's environment) and resolves with its output. */
async function staircase(args: readonly string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      {
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  /** The health (watcher: also metrics) port. */
  readonly port: number;
}

/** Starts `staircase worker` or `staircase watcher` configured through the environment, as a Deployment would. */
function startProcess(command: 'worker' | 'watcher', name: string, env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...temporalEnv(), ...env },
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  // Keep reading so the pipes never fill; show what is not routine.
  const show = (line: string) => {
    if (!/"level":"info"/.test(line)) console.log(`[${name}] ${line}`);
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', show);
  return { child, stdout: createInterface({ input: child.stdout as NodeJS.ReadableStream }) };
}

async function startWorker(name: string, env: NodeJS.ProcessEnv, port: number): Promise<Running> {
  const { child, stdout } = startProcess('worker', name, env, ['--health-port', String(port)]);
  stdout.on('line', () => {});
  await vi.waitFor(
    async () => {
      expect(child.exitCode).toBeNull();
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    },
    { timeout: 90_000, interval: 300 },
  );
  return { name, child, port };
}

async function startWatcher(name: string, env: NodeJS.ProcessEnv, namespace: string): Promise<Running> {
  const lease = [
    '--lease-namespace',
    namespace,
    '--lease-duration-ms',
    String(LEASE_MS),
    '--lease-retry-ms',
    '300',
  ];
  const args = ['--namespaces', namespace, ...lease, '--health-port', '0', '--identity', name];
  const { child, stdout } = startProcess('watcher', name, env, args);
  return new Promise((resolve, reject) => {
    stdout.on('line', (line) => {
      const entry = JSON.parse(line) as { level: string; message: string; port?: number };
      if (entry.message === 'watcher started' && entry.port) resolve({ name, child, port: entry.port });
      if (entry.level !== 'info') console.log(`[${name}] ${line}`);
    });
    stdout.on('close', () => reject(new Error(`${name} exited before it started`)));
  });
}

async function leaders(watchers: readonly Running[]): Promise<Running[]> {
  const flags = await Promise.all(
    watchers.map(async (w) =>
      metricValue(
        await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text(),
        'staircase_watcher_leader',
      ),
    ),
  );
  return watchers.filter((_, i) => flags[i] === 1);
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

async function readyCount(namespace: string): Promise<number> {
  const api = adminKubeConfig().makeApiClient(CustomObjectsApi);
  const list = (await api.listNamespacedCustomObject({
    group: Greeting.group,
    version: Greeting.version,
    namespace,
    plural: Greeting.plural,
  })) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
  return list.items.filter((item) =>
    item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

describe('the production topology: Temporal server on PostgreSQL with mTLS, worker and watcher processes', () => {
  beforeAll(async () => {
    production = await startProductionTemporal();
    console.log(
      `[production topology] Temporal ${production.temporal.address} (mTLS) on PostgreSQL ` +
        `127.0.0.1:${production.postgres.port}; binaries ${production.timings.binaries} s, ` +
        `PostgreSQL ${production.timings.postgres} s, Temporal with schema and registration ${production.timings.temporal} s`,
    );
    await installKind(Greeting);
  }, 30 * 60_000);
  afterAll(() => production?.stop());

  it('refuses a client without a client certificate, and one with a certificate from another CA', async () => {
    const { temporal } = production;
    const target = ['Greeting', 'default/nothing', '--temporal-address', temporal.address];
    const serverCa = [
      '--tls-ca',
      temporal.clientTls.caFile,
      '--tls-server-name',
      temporal.clientTls.serverName,
    ];
    const noCertificate = await staircase(['status', ...target, ...serverCa]);
    expect(noCertificate.code).toBe(1);
    expect(noCertificate.stderr).toContain(`cannot reach Temporal at ${temporal.address}`);

    const connect = (crt?: string, key?: string) =>
      Connection.connect({
        address: temporal.address,
        connectTimeout: 5_000,
        tls: {
          serverNameOverride: temporal.clientTls.serverName,
          serverRootCACertificate: Buffer.from(temporal.ca.certPem),
          ...(crt && key ? { clientCertPair: { crt: Buffer.from(crt), key: Buffer.from(key) } } : {}),
        },
      });
    await expect(connect()).rejects.toThrow();
    const stranger = await (await CertificateAuthority.create('another CA')).issueClient('stranger', []);
    await expect(connect(stranger.certPem, stranger.keyPem)).rejects.toThrow();
    const trusted = await temporal.ca.issueClient('trusted', []);
    const connection = await connect(trusted.certPem, trusted.keyPem);
    await connection.close();
  });

  it(`two workers and two watchers reconcile ${RESOURCES} resources; a worker and the leading watcher SIGKILLed mid-burst; all Ready, none applied twice; staircase status works`, async () => {
    const started = Date.now();
    const namespace = await createTestNamespace('topo');
    const workDir = await mkdtemp(join(tmpdir(), 'staircase-topology-'));
    const bundleFile = join(workDir, 'workflow-bundle.js');
    await writeFile(bundleFile, (await engineBundle()).code);
    const env = {
      STAIRCASE_OPERATOR: operatorModule,
      STAIRCASE_TASK_QUEUE: uniqueTaskQueue('topology'),
      STAIRCASE_WORKFLOW_BUNDLE: bundleFile,
      KUBECONFIG: inject('kube').adminKubeconfigPath,
    };
    const workers = await Promise.all([
      startWorker('worker-a', env, await freePort()),
      startWorker('worker-b', env, await freePort()),
    ]);
    const watchers = await Promise.all([
      startWatcher(uniqueName('watcher-a'), env, namespace),
      startWatcher(uniqueName('watcher-b'), env, namespace),
    ]);
    const [leader] = await vi.waitFor(
      async () => {
        const found = await leaders(watchers);
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 20_000, interval: 200 },
    );
    const standby = watchers.find((w) => w !== leader) as Running;
    const upAt = Date.now();

    const names = Array.from({ length: RESOURCES }, (_, i) => `g-${String(i).padStart(3, '0')}`);
    const create = (name: string) => createResource(Greeting, namespace, name, { message: `hello ${name}` });
    const refs = await inBatches(names.slice(0, RESOURCES / 2), 20, create);
    // Mid-burst: half the resources created and being reconciled.
    workers[0]?.child.kill('SIGKILL');
    leader?.child.kill('SIGKILL');
    refs.push(...(await inBatches(names.slice(RESOURCES / 2), 20, create)));
    await vi.waitFor(async () => expect(await leaders([standby])).toHaveLength(1), {
      timeout: 20_000,
      interval: 200,
    });

    await vi.waitFor(async () => expect(await readyCount(namespace)).toBe(RESOURCES), {
      timeout: 180_000,
      interval: 1_000,
    });
    const convergedAt = Date.now();

    const connection = await Connection.connect({
      address: production.temporal.address,
      tls: {
        serverNameOverride: production.temporal.clientTls.serverName,
        serverRootCACertificate: Buffer.from(production.temporal.ca.certPem),
        clientCertPair: await (async () => {
          const pair = await production.temporal.ca.issueClient('test-reader', []);
          return { crt: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) };
        })(),
      },
    });
    onTestFinished(() => connection.close());
    const client = new Client({ connection, namespace: production.temporal.namespace });
    const applied = await inBatches(refs, 20, async (ref) => {
      const workflowId = workflowIdFor(ref);
      const runs = await runsInHistory(client, workflowId);
      assertEngineGuarantees(workflowId, runs);
      return { workflowId, steps: appliedSteps(runs) };
    });
    for (const { workflowId, steps } of applied)
      expect(steps.toSorted(), workflowId).toEqual(['ensure-configmap', 'record-configmap']);

    const { temporal } = production;
    const flags = ['--temporal-address', temporal.address, '--tls-cert', temporal.clientTls.certFile];
    flags.push('--tls-key', temporal.clientTls.keyFile, '--tls-ca', temporal.clientTls.caFile);
    flags.push('--tls-server-name', temporal.clientTls.serverName);
    const status = await staircase(['status', 'Greeting', `${namespace}/g-000`, ...flags]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'Ready' });
    console.log(
      `[production topology] ${RESOURCES} Greetings Ready ${((convergedAt - upAt) / 1000).toFixed(1)} s after ` +
        `the processes were up (processes started in ${((upAt - started) / 1000).toFixed(1)} s); ` +
        `${workers[0]?.name} and the leading watcher were SIGKILLed after ${RESOURCES / 2} were created`,
    );
  }, 420_000);
});
