import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ApiException, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import greeting, { Greeting } from '../../examples/greeting/operator.js';
import { signalChange } from '../../src/client/reconcile-client.js';
import { statusMessageOf } from '../../src/core/kube-status.js';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { type CrdObject, installCrd } from '../../src/devenv/install-crd.js';
import { freePort } from '../../src/devenv/ports.js';
import { resolveOptions } from '../../src/operator/operator.js';
import { TestResources } from '../../src/testing/index.js';
import { createEngineWorker } from '../../src/worker/create-worker.js';
import type { ResourceDescription } from '../../src/workflows/contract.js';
import { Stack, stackOperator } from '../engine/fixtures/test-operator.js';
import { Bell, Lamp, lampOperator } from '../runtime/fixtures/fleet.js';
import {
  createResource,
  HISTORIES_DIR,
  installKind,
  quietLogger,
  startScenario,
  waitForDescription,
} from '../support/engine.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { temporalClient, uniqueTaskQueue, workerConnection } from '../support/temporal.js';
import { Gadget } from './fixtures/gadget-operator.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const WEBSITE = ['--operator', 'examples/website/operator.ts'];
const FLEET = 'test/runtime/fixtures/';

/** Runs `staircase ARGS` and resolves with its exit code and output, whatever the code. */
async function staircase(args: readonly string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      {
        env: { ...process.env, ...env },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the staircase command', () => {
  beforeAll(() => installKind(Stack));

  it('runs the example on the embedded default: `staircase dev --exit-when-ready` exits 0 with every Website Ready, shows where to look, and removes its temporary folder', async () => {
    const result = await staircase(['dev', ...WEBSITE, '--exit-when-ready', '--timeout', '240'], 300_000);
    expect(result.stdout).toContain('every Website is Ready');
    expect(result.stdout).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+/);
    expect(result.stdout).toMatch(/default\/blog: Ready \(run \d+\)/);
    const kubeconfig = /^Kubeconfig: (\S+)$/m.exec(result.stdout)?.[1] ?? '';
    expect(result.stdout).toContain(`kubectl --kubeconfig ${kubeconfig} get websites -A`);
    expect(result.stdout).toMatch(/^ {2}export TEMPORAL_ADDRESS=127\.0\.0\.1:\d+$/m);
    const workDir = /data and logs in (\S+?)\)/.exec(result.stdout)?.[1] ?? '';
    expect(kubeconfig.startsWith(workDir)).toBe(true);
    expect(result.stdout).toContain(`removed ${workDir}`);
    expect(existsSync(workDir)).toBe(false);
    // One line per log entry: no stack traces, no raw API response bodies.
    expect(result.stdout).not.toMatch(/^\s+at /m);
    expect(result.stdout).not.toContain('Body:');
    expect(result.code).toBe(0);
  }, 320_000);

  it('uses an existing cluster with --kube-context instead of starting one, and keeps the --work-dir it was given', async () => {
    const workDir = join(await mkdtemp(join(tmpdir(), 'dev-work-')), 'kept');
    const result = await staircase(
      [
        'dev',
        ...WEBSITE,
        '--kube-context',
        'admin',
        '--exit-when-ready',
        '--timeout',
        '120',
        '--work-dir',
        workDir,
      ],
      180_000,
      {
        KUBECONFIG: inject('kube').adminKubeconfigPath,
      },
    );
    expect(result.stdout).toContain(`Kubernetes ${inject('kube').server}`);
    expect(result.stdout).toContain('kubectl --context admin get websites -A');
    expect(result.stdout).toContain('every Website is Ready');
    expect(result.code).toBe(0);
    expect(await readdir(workDir)).toContain('temporal');
  }, 200_000);

  it('prints the CRD, and refuses unknown commands and bad arguments with a one-line reason', async () => {
    const crd = await staircase(['crd', ...WEBSITE]);
    expect(crd.code).toBe(0);
    expect(crd.stdout).toContain('name: websites.example.staircase.dev');
    const unknown = await staircase(['deploy']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'staircase: unknown command "deploy"; run staircase --help\n',
    });
    const badTarget = await staircase(['status', 'Website', 'a/b/c']);
    expect(badTarget).toMatchObject({
      code: 2,
      stderr: 'staircase: "a/b/c" is not NAMESPACE/NAME (or NAME for a cluster-scoped kind)\n',
    });
    const noKind = await staircase(['status', 'default/blog']);
    expect(noKind.stderr).toContain('give the kind too: staircase status KIND NAMESPACE/NAME');
    expect(noKind.code).toBe(2);
  });

  it('refuses bad tuning flags naming the knob', async () => {
    const worker = await staircase(['worker', ...WEBSITE, '--max-cached-workflows', 'lots']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('invalid worker tuning: maxCachedWorkflows');
    const pollers = await staircase(['worker', ...WEBSITE], 60_000, { STAIRCASE_WORKFLOW_TASK_POLLERS: '1' });
    expect(pollers.stderr).toContain('workflowTaskPollers');
    const watcher = await staircase(['watcher', ...WEBSITE, '--max-in-flight', '0']);
    expect(watcher.stderr).toContain('maxInFlight');
    expect(watcher.code).not.toBe(0);
  });

  it('asks for --operator where a command needs an operator, and explains a module without a default export', async () => {
    const missing =
      'staircase: give --operator MODULE: a module whose default export is defineOperator(...)\n';
    for (const command of ['crd', 'rbac', 'dev', 'worker', 'watcher']) {
      expect(await staircase([command]), command).toMatchObject({ code: 2, stderr: missing });
    }
    const file = fileURLToPath(new URL('fixtures/no-default-export.ts', import.meta.url));
    const noDefault = await staircase(['crd', '--operator', file]);
    expect(noDefault).toMatchObject({
      code: 2,
      stderr: `staircase: ${file} has no default export; end it with: export default defineOperator({ … }), or export default [operatorA, operatorB]\n`,
    });
    const help = await staircase(['replay', '--help']);
    expect(help.stdout).toContain('Needs no --operator');
  });

  it('finds a resource by KIND NAMESPACE/NAME or KIND NAME without --operator: status, reconcile now, pause, resume', async () => {
    const namespace = await createTestNamespace();
    const operator = stackOperator();
    const taskQueue = resolveOptions(operator).taskQueue;
    const worker = await createEngineWorker({
      operator,
      connection: await workerConnection(),
      kube: adminKubeConfig(),
      taskQueue,
    });
    const running = worker.run();
    try {
      const name = `cli-${namespace}`;
      const ref = await createResource(Stack, namespace, name, {});
      await signalChange(
        await temporalClient(),
        ref,
        { taskQueue, config: resolveOptions(operator).loop },
        'test',
      );
      const temporal = ['--temporal-address', inject('temporalAddress')];
      const target = ['Stack', `${namespace}/${name}`, ...temporal];
      // Visibility is eventually consistent: wait until the new loop can be found.
      await vi.waitFor(async () => expect((await staircase(['status', ...target])).code).toBe(0), {
        timeout: 15_000,
        interval: 500,
      });
      const reconcile = await staircase(['reconcile', ...target]);
      expect(reconcile.code, reconcile.stderr).toBe(0);
      expect(JSON.parse(reconcile.stdout)).toMatchObject({ outcome: { kind: 'converged' } });
      const paused = await staircase(['pause', 'stacks', name, ...temporal]);
      expect(paused.stdout).toContain(`paused Stack ${namespace}/${name} (${workflowIdFor(ref)})`);
      const byOperator = ['--operator', 'test/watcher/fixtures/operator.ts', ...temporal];
      expect(
        JSON.parse((await staircase(['status', `${namespace}/${name}`, ...byOperator])).stdout),
      ).toMatchObject({
        phase: 'Paused',
        paused: true,
      });
      const refused = await staircase(['reconcile', 'stack', `${namespace}/${name}`, ...temporal]);
      expect(refused).toMatchObject({
        code: 1,
        stderr: `staircase: reconcile Stack ${namespace}/${name} was rejected: the resource is paused; resume it first\n`,
      });
      expect((await staircase(['resume', ...target])).code).toBe(0);
      const missing = await staircase(['status', 'Stack', `${namespace}/nothing`, ...temporal]);
      expect(missing.stderr).toContain(
        `no Stack ${namespace}/nothing is reconciled on the Temporal namespace "default"`,
      );
      expect(missing.code).toBe(1);
      const wrongKind = await staircase(['status', 'Website', `${namespace}/${name}`, ...temporal]);
      expect(wrongKind.stderr).toContain(`with that name there is: Stack ${namespace}/${name}`);
    } finally {
      worker.shutdown();
      await running;
    }
  });

  it('replays the committed histories, and fails on a history from incompatible workflow code', async () => {
    const files = (await readdir(HISTORIES_DIR))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(HISTORIES_DIR, f));
    const good = await staircase(['replay', ...files]);
    expect(good.stdout).toContain(`${files.length} passed, 0 failed`);
    expect(good.code).toBe(0);

    // Record a real history with deliberately incompatible workflow code (an extra timer before the loop).
    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('incompatible');
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../replay/fixtures/changed-workflow.ts', import.meta.url)),
      logger: quietLogger,
    });
    const operator = stackOperator();
    const worker = await createEngineWorker({
      operator,
      connection: await workerConnection(),
      kube: adminKubeConfig(),
      taskQueue,
      workflowBundle,
    });
    const client = await temporalClient();
    const ref = await createResource(Stack, namespace, 'old', {});
    const history = await worker.runUntil(async () => {
      const handle = await signalChange(
        client,
        ref,
        { taskQueue, config: resolveOptions(operator).loop },
        'test',
      );
      for (;;) {
        const events = (await handle.fetchHistory()).events ?? [];
        if (events.some((e) => e.markerRecordedEventAttributes)) return handle.fetchHistory();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    const file = join(await mkdtemp(join(tmpdir(), 'replay-')), 'incompatible.json');
    await writeFile(file, historyToJSON(history));
    const bad = await staircase(['replay', file]);
    expect(bad.stdout).toMatch(/FAIL incompatible: .*(nondetermin|Nondetermin)/i);
    expect(bad.code).toBe(1);

    // The same, fetched from the server by workflow ID.
    const address = ['--temporal-address', inject('temporalAddress')];
    const byId = await staircase(['replay', '--workflow-id', workflowIdFor(ref), ...address]);
    expect(byId).toMatchObject({ code: 1 });
    expect(byId.stdout, byId.stderr).toContain('0 passed, 1 failed');
  });

  it('replays histories selected by a visibility query from the server', async () => {
    const { engine, ref, namespace } = await startScenario(stackOperator(), 'fresh', {});
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged');
    const query = `StaircaseNamespace = "${namespace}"`;
    await vi.waitFor(
      async () => {
        const result = await staircase([
          'replay',
          '--query',
          query,
          '--temporal-address',
          inject('temporalAddress'),
        ]);
        expect(result.stdout).toContain('1 passed, 0 failed');
        expect(result.code).toBe(0);
      },
      { timeout: 30_000, interval: 1_000 },
    );
  });
});

describe('staircase worker', () => {
  beforeAll(() => installKind(Stack));

  it('serves Prometheus metrics (SDK runtime plus runs by outcome and applies by step), running a prebuilt workflow bundle as the image does', async () => {
    const bundle = join(await mkdtemp(join(tmpdir(), 'bundle-')), 'workflow-bundle.js');
    const script = fileURLToPath(new URL('../../scripts/bundle-workflows.ts', import.meta.url));
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script, bundle]);
    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('metrics');
    const port = await freePort();
    const args = ['worker', '--operator', 'test/watcher/fixtures/operator.ts', '--task-queue', taskQueue];
    args.push('--metrics-port', String(port), '--temporal-address', inject('temporalAddress'));
    args.push('--kubeconfig', inject('kube').adminKubeconfigPath);
    const worker = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      stdio: 'ignore',
      env: { ...process.env, STAIRCASE_WORKFLOW_BUNDLE: bundle },
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    onTestFinished(async () => {
      worker.kill('SIGTERM');
      await exited;
    });
    const ref = await createResource(Stack, namespace, 'metered', { items: ['a'] });
    const client = await temporalClient();
    await signalChange(client, ref, { taskQueue, config: resolveOptions(stackOperator()).loop }, 'test');
    await waitForDescription(client, ref, (d) => d.lastRun?.outcome.kind === 'converged', 60_000);
    const metrics = await vi.waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(text).toMatch(/staircase_runs(_total)?\{[^}]*outcome="converged"[^}]*\} 1/);
        return text;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(metrics).toMatch(/staircase_applies(_total)?\{[^}]*step="ensure-a"[^}]*\} 1/);
    expect(metrics).toMatch(/staircase_run_duration(_milliseconds)?_bucket/);
    expect(metrics).toMatch(/temporal_/);
  });
});

describe('staircase worker with an operator that does not import client-node', () => {
  beforeAll(() => installKind(Greeting));

  it('reconciles a Greeting (a ConfigMap child) loading client-node’s model serializer only, not its client', async () => {
    // client-node's client is ≈35 MB of the worker's heap: the engine's step client and its own calls go without it.
    const folder = await mkdtemp(join(tmpdir(), 'probe-'));
    const probe = join(folder, 'probe.mjs');
    const out = join(folder, 'loaded.json');
    await writeFile(
      probe,
      `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    const match = /node_modules\\/@kubernetes\\/client-node\\/(.*)$/.exec(resolved.url);
    if (match) loaded.add(match[1]);
    return resolved;
  },
});
process.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify([...loaded])));
`,
    );
    const namespace = await createTestNamespace('lean');
    const taskQueue = uniqueTaskQueue('lean');
    const args = ['worker', '--operator', 'examples/greeting/operator.ts', '--task-queue', taskQueue];
    args.push(
      '--temporal-address',
      inject('temporalAddress'),
      '--kubeconfig',
      inject('kube').adminKubeconfigPath,
    );
    const worker = spawn(process.execPath, ['--import', 'tsx', '--import', probe, cli, ...args], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    onTestFinished(() => {
      worker.kill('SIGKILL');
    });
    const ref = await createResource(Greeting, namespace, 'lean', { message: 'hello', ready: true });
    const client = await temporalClient();
    await signalChange(client, ref, { taskQueue, config: resolveOptions(greeting).loop }, 'test');
    await waitForDescription(client, ref, (d) => d.lastRun?.outcome.kind === 'converged', 60_000);
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    expect((await core.readNamespacedConfigMap({ namespace, name: 'lean-greeting' })).data?.message).toBe(
      'hello',
    );
    worker.kill('SIGTERM');
    await exited;
    const loaded: string[] = JSON.parse(await readFile(out, 'utf8'));
    expect(loaded).toContain('dist/serializer.js');
    expect(loaded.filter((path) => /^dist\/(index|config|api|gen\/apis\/)/.test(path))).toEqual([]);
  });
});

describe('staircase worker with --otlp-endpoint', () => {
  beforeAll(() => installKind(Stack));

  it('exports OpenTelemetry spans of the workflow’s signals and of each step activity over OTLP/HTTP', async () => {
    const bodies: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => collector.close(() => resolve())));
    const address = collector.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('traced');
    const args = ['worker', '--operator', 'test/watcher/fixtures/operator.ts', '--task-queue', taskQueue];
    args.push('--otlp-endpoint', endpoint, '--temporal-address', inject('temporalAddress'));
    args.push('--kubeconfig', inject('kube').adminKubeconfigPath);
    const worker = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: 'ignore' });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const ref = await createResource(Stack, namespace, 'traced', { items: ['a'] });
    const client = await temporalClient();
    await signalChange(client, ref, { taskQueue, config: resolveOptions(stackOperator()).loop }, 'test');
    await waitForDescription(client, ref, (d) => d.lastRun?.outcome.kind === 'converged', 60_000);
    // SIGTERM shuts the worker down, which flushes the batched spans.
    worker.kill('SIGTERM');
    await exited;
    const spans = bodies.join('\n');
    expect(spans).toContain('"name":"HandleSignal:changed"');
    // A run's reads, and its apply (which makes the reads that confirm it).
    for (const activity of ['evaluateRun', 'apply ensure-a'])
      expect(spans).toContain(`"name":"StartActivity:${activity}"`);
    expect(spans).toContain('staircase-stack');
  });
});

describe('the CRD `staircase crd` prints is the one installed', () => {
  it('keeps enum, default and x-kubernetes-* rules: the API server rejects what only they forbid, and fills defaults', async () => {
    const printed = await staircase(['crd', '--operator', 'test/cli/fixtures/gadget-operator.ts']);
    expect(printed.code, printed.stderr).toBe(0);
    const crd = parseYaml(printed.stdout) as CrdObject;
    expect(crd).toEqual(JSON.parse(JSON.stringify(Gadget.crd())));
    await installCrd(adminKubeConfig(), crd);
    await installCrd(adminKubeConfig(), crd); // idempotent
    const namespace = await createTestNamespace();
    const api = adminKubeConfig().makeApiClient(CustomObjectsApi);
    const create = (name: string, spec: object) =>
      api.createNamespacedCustomObject({
        group: Gadget.group,
        version: Gadget.version,
        plural: Gadget.plural,
        namespace,
        body: { apiVersion: Gadget.apiVersion, kind: Gadget.kind, metadata: { name }, spec },
      }) as Promise<{ spec: Record<string, unknown> }>;
    const rejection = (name: string, spec: object) =>
      create(name, spec).then(
        () => 'accepted',
        (error: ApiException<unknown>) => `${error.code}: ${statusMessageOf(error.body)}`,
      );

    expect((await create('defaulted', { size: 'small' })).spec).toEqual({ size: 'small', replicas: 2 });
    expect(await rejection('enum', { size: 'huge' })).toMatch(
      /^422: .*spec\.size: Unsupported value: "huge"/,
    );
    expect(await rejection('set', { size: 'small', tags: ['a', 'a'] })).toMatch(
      /^422: .*spec\.tags\[1\]: Duplicate value: "a"/,
    );
    expect(await rejection('cel', { size: 'small', limits: { min: 3, max: 1 } })).toMatch(
      /^422: .*spec\.limits: Invalid value: .*min must not exceed max/,
    );
  });
});

describe('several operators in one worker process and one watcher process', () => {
  beforeAll(async () => {
    await installKind(Lamp);
    await installKind(Bell);
  });

  /** Starts `staircase ARGS` in the background; SIGTERM when the test finishes. */
  function background(args: readonly string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    onTestFinished(async () => {
      child.kill('SIGTERM');
      await exited;
    });
  }

  it('`staircase worker` with a module exporting two operators and `staircase watcher` with two --operator flags serve both, a Secret change included', async () => {
    const namespace = await createTestNamespace();
    const temporal = ['--temporal-address', inject('temporalAddress')];
    const kube = ['--kubeconfig', inject('kube').adminKubeconfigPath];
    background(['worker', '--operator', `${FLEET}fleet-operators.ts`, ...kube, ...temporal]);
    const watcherFlags = ['--namespaces', namespace, '--no-leader-election', '--health-port', '0'];
    const operators = ['--operator', `${FLEET}lamp-operator.ts`, '--operator', `${FLEET}bell-operator.ts`];
    background(['watcher', ...operators, ...watcherFlags, ...kube, ...temporal]);
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const secret = (token: string) => ({ metadata: { name: 'key' }, stringData: { token } });
    await core.createNamespacedSecret({ namespace, body: secret('first') });
    const lamp = await createResource(Lamp, namespace, 'lamp', { secretName: 'key' });
    const bell = await createResource(Bell, namespace, 'bell', { tone: 'dong' });
    const client = await temporalClient();
    const converged = (d: ResourceDescription) => d.lastRun?.outcome.kind === 'converged';
    const lit = await waitForDescription(client, lamp, converged, 90_000);
    await waitForDescription(client, bell, converged, 30_000);
    await core.replaceNamespacedSecret({ namespace, name: 'key', body: secret('second') });
    await waitForDescription(client, lamp, (d) => converged(d) && d.runNumber > lit.runNumber, 30_000);
    const objects = new TestResources(adminKubeConfig());
    expect((await objects.get(lamp))?.status?.token).toBe('second');
    expect((await objects.get(bell))?.status?.rung).toBe('dong');
  }, 180_000);

  it('`staircase worker` stops soon after SIGTERM with a step that hangs on, within --shutdown-force-seconds, saying so', async () => {
    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('force');
    const args = ['worker', '--operator', `${FLEET}lamp-operator.ts`, '--task-queue', taskQueue];
    args.push('--shutdown-force-seconds', '2', '--temporal-address', inject('temporalAddress'));
    args.push('--kubeconfig', inject('kube').adminKubeconfigPath);
    const worker = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    onTestFinished(() => {
      worker.kill('SIGKILL');
    });
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'key' }, stringData: { token: 't' } },
    });
    // Its apply sleeps an hour; cancelled at the stop, the SDK runs it again (a local activity) and it hangs on.
    const lamp = await createResource(Lamp, namespace, 'stuck', { secretName: 'key', mode: 'stuck' });
    const client = await temporalClient();
    await signalChange(client, lamp, { taskQueue, config: resolveOptions(lampOperator).loop }, 'test');
    await waitForDescription(client, lamp, (d) => d.currentStep === 'record-token', 60_000);
    const stoppedAt = Date.now();
    worker.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(resolve, 60_000, 'running')),
    ]);
    expect(code, stderr).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);
    expect(stderr).toContain('steps still running 2 s after the stop (--shutdown-force-seconds)');
  });

  it('`staircase rbac` and `staircase crd` cover every operator of the module, watched kinds included', async () => {
    const rbac = await staircase(['rbac', '--operator', `${FLEET}fleet-operators.ts`]);
    expect(rbac.code, rbac.stderr).toBe(0);
    const documents = rbac.stdout.split(/^---$/m).map((text) => parseYaml(text)) as {
      kind: string;
      metadata: { name: string };
      rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    }[];
    const watcher = documents.find(
      (d) => d.kind === 'ClusterRole' && d.metadata.name === 'staircase-lamps-bells-watcher',
    );
    expect(watcher?.rules).toContainEqual({
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get', 'list', 'watch'],
    });
    expect(watcher?.rules?.flatMap((rule) => rule.resources)).toEqual(['lamps', 'secrets', 'bells']);
    const crd = await staircase(['crd', '--operator', `${FLEET}fleet-operators.ts`]);
    expect(crd.stdout.split(/^---$/m).map((text) => (parseYaml(text) as CrdObject).metadata?.name)).toEqual([
      'lamps.runtime.staircase.test',
      'bells.runtime.staircase.test',
    ]);
    const clash = await staircase([
      'worker',
      '--operator',
      `${FLEET}fleet-operators.ts`,
      '--task-queue',
      'q',
    ]);
    expect(clash.stderr).toContain('--task-queue names one queue, but there are several operators');
    expect(clash.code).toBe(2);
  });
});
