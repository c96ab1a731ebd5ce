import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Greeting } from '../../examples/greeting/operator.js';
import { freePort } from '../../src/devenv/ports.js';
import { TokenIssuer } from '../../src/devenv/token-issuer.js';
import { startCliWatcher, startCliWorker } from '../support/cli-process.js';
import { createResource, engineBundle, installKind } from '../support/engine.js';
import { readyGreetings as readyCount } from '../support/greetings.js';
import { createTestNamespace } from '../support/kube.js';
import { type ApiKeyTemporal, startApiKeyTemporal } from '../support/production-temporal.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const operatorModule = fileURLToPath(new URL('../../examples/greeting/operator.ts', import.meta.url));
const RESOURCES = 5;

let server: ApiKeyTemporal;
let issuer: TokenIssuer;

/** Runs `staircase ARGS` with `env` on top of the test's environment, and resolves with its exit code and output. */
async function staircase(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const { TEMPORAL_API_KEY: _ignored, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      { timeout: 60_000, env: { ...inherited, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The flags that reach the frontend over TLS, trusting its CA, without a client certificate. */
function serverFlags(): string[] {
  const { address, clientTls } = server.temporal;
  return [
    '--temporal-address',
    address,
    '--tls-ca',
    clientTls.caFile,
    '--tls-server-name',
    clientTls.serverName,
  ];
}

describe('API keys: the Temporal server with its JWT authorizer, worker and watcher processes with a key', () => {
  beforeAll(async () => {
    issuer = await TokenIssuer.create();
    server = await startApiKeyTemporal(issuer);
    const { timings, temporal } = server;
    console.log(
      `[api keys] Temporal ${temporal.address} (TLS, JWT authorizer); binaries ${timings.binaries} s, ` +
        `PostgreSQL ${timings.postgres} s, Temporal with schemas and registration ${timings.temporal} s`,
    );
    await installKind(Greeting);
  }, 30 * 60_000);
  afterAll(() => server?.stop());

  it(`a worker and a watcher with a write key reconcile ${RESOURCES} Greetings to Ready; staircase status works with the key`, async () => {
    const namespace = await createTestNamespace('apikey');
    const workDir = await mkdtemp(join(tmpdir(), 'staircase-api-keys-'));
    const bundleFile = join(workDir, 'workflow-bundle.js');
    await writeFile(bundleFile, (await engineBundle()).code);
    const { address, namespace: temporalNamespace, clientTls } = server.temporal;
    const key = issuer.sign({ subject: 'greeting-operator', permissions: [`${temporalNamespace}:write`] });
    const env = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: temporalNamespace,
      TEMPORAL_API_KEY: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: clientTls.caFile,
      TEMPORAL_TLS_SERVER_NAME: clientTls.serverName,
      STAIRCASE_OPERATOR: operatorModule,
      STAIRCASE_TASK_QUEUE: uniqueTaskQueue('api-keys'),
      STAIRCASE_WORKFLOW_BUNDLE: bundleFile,
      KUBECONFIG: inject('kube').adminKubeconfigPath,
    };
    await Promise.all([
      startCliWorker('worker', env, await freePort()),
      startCliWatcher('watcher', env, ['--namespaces', namespace]),
    ]);
    await Promise.all(
      Array.from({ length: RESOURCES }, (_, i) =>
        createResource(Greeting, namespace, `g-${i}`, { message: `hello ${i}` }),
      ),
    );
    await vi.waitFor(async () => expect(await readyCount(namespace)).toBe(RESOURCES), {
      timeout: 60_000,
      interval: 500,
    });

    const status = await staircase([
      'status',
      'Greeting',
      `${namespace}/g-0`,
      ...serverFlags(),
      '--api-key',
      key,
    ]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'Ready' });
  }, 180_000);

  it('refuses the CLI without a key, with an expired key, and with a key for another namespace only, and says which credential and why', async () => {
    const { address, namespace } = server.temporal;
    const keys = {
      none: undefined,
      expired: issuer.sign({ subject: 'late', permissions: [`${namespace}:admin`], expiresInSeconds: -60 }),
      otherNamespace: issuer.sign({ subject: 'neighbour', permissions: ['elsewhere:admin'] }),
    };
    const status = (key: string | undefined) =>
      staircase(
        ['status', 'Greeting', 'default/nothing', ...serverFlags()],
        key ? { TEMPORAL_API_KEY: key } : {},
      );
    const [none, expired, otherNamespace, worker] = await Promise.all([
      status(keys.none),
      status(keys.expired),
      status(keys.otherNamespace),
      // A worker with a refused key exits at once instead of waiting for Temporal as if it were down.
      staircase(['worker', '--health-port', '0', ...serverFlags(), '--api-key', keys.expired], {
        STAIRCASE_OPERATOR: operatorModule,
        KUBECONFIG: inject('kube').adminKubeconfigPath,
      }),
    ]);
    const refused = `staircase: Temporal at ${address} refused`;
    const keyHint = `check that the key (--api-key or TEMPORAL_API_KEY) has not expired, is signed by a key the server trusts, and grants a role on "${namespace}"`;
    for (const [name, result] of Object.entries({ none, expired, otherNamespace, worker })) {
      console.log(`[api keys] ${name}: exit ${result.code}: ${result.stderr.trim()}`);
      expect(result.code, name).toBe(1);
    }
    expect(none.stderr).toContain(
      `${refused} a request without an API key or client certificate on namespace "${namespace}" ` +
        '(Request unauthorized.): ' +
        'the server asks for an API key (--api-key or TEMPORAL_API_KEY) or a client certificate',
    );
    for (const result of [expired, otherNamespace, worker])
      expect(result.stderr).toContain(
        `${refused} the API key on namespace "${namespace}" (Request unauthorized.): ${keyHint}`,
      );
  }, 120_000);
});
