import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { startDnsProvider } from '../../examples/website/dns-provider.js';
import { Website } from '../../examples/website/kind.js';
import { websiteOperator } from '../../examples/website/operator.js';
import { signalChange } from '../../src/client/reconcile-client.js';
import { resolveOptions } from '../../src/operator/operator.js';
import {
  conditionOf,
  createResource,
  installKind,
  patchSpec,
  readObject,
  startEngine,
  startScenario,
} from '../support/engine.js';
import { adminKubeConfig, createTestNamespace } from '../support/kube.js';
import { temporalClient, uniqueTaskQueue } from '../support/temporal.js';
import { startWorkerProcess } from '../support/worker-process.js';

const operatorModule = fileURLToPath(new URL('../../examples/website/operator.ts', import.meta.url));

async function dnsProvider(options: Parameters<typeof startDnsProvider>[0] = {}) {
  const provider = await startDnsProvider(options);
  onTestFinished(() => provider.stop());
  return provider;
}

describe('the website example', () => {
  beforeAll(() => installKind(Website));

  it('converges with one DNS record, follows content edits, and on deletion removes the record and its finalizer', async () => {
    const provider = await dnsProvider();
    const spec = { content: '<h1>v1</h1>', hostname: 'one.example.test', replicas: 1 };
    const { namespace, engine, ref, handle } = await startScenario(
      websiteOperator(() => provider.url),
      'one',
      spec,
    );
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged', 60_000);
    const site = await readObject(ref);
    expect(conditionOf(site, 'Ready')?.status).toBe('True');
    expect(site?.status).toMatchObject({ url: 'http://one.example.test/' });
    const records = [...provider.records.values()];
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ hostname: 'one.example.test', owner: site?.metadata.uid });

    await patchSpec(ref, { content: '<h1>v2</h1>' });
    await engine.signal(ref, 'content edited');
    await engine.waitFor(
      ref,
      (d) => d.lastRun?.outcome.kind === 'converged' && d.lastRun.generation === 2,
      60_000,
    );
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    expect((await core.readNamespacedConfigMap({ namespace, name: 'one-content' })).data).toEqual({
      'index.html': '<h1>v2</h1>',
    });

    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...ref, namespace });
    await engine.signal(ref, 'deleted');
    expect((await handle.result())?.outcome.kind).toBe('deleted');
    expect(provider.records.size).toBe(0);
    expect(await readObject(ref)).toBeUndefined();
  });

  it('makes exactly one DNS record even when the worker is killed while creating it', async () => {
    const provider = await dnsProvider({ createDelayMs: 5_000 });
    const namespace = await createTestNamespace();
    const taskQueue = uniqueTaskQueue('website-crash');
    const operator = websiteOperator(() => provider.url);
    const doomed = await startWorkerProcess(taskQueue, operatorModule, { WEBSITE_DNS_URL: provider.url });
    const ref = await createResource(Website, namespace, 'crash', {
      content: 'x',
      hostname: 'crash.example.test',
      replicas: 1,
    });
    await signalChange(
      await temporalClient(),
      ref,
      { taskQueue, config: resolveOptions(operator).loop },
      'created',
    );

    // The provider has stored the record and is still answering: kill the worker now.
    await vi.waitFor(() => expect(provider.records.size).toBe(1), { timeout: 60_000, interval: 50 });
    doomed.kill('SIGKILL');

    const engine = await startEngine(operator, { taskQueue });
    await engine.waitFor(ref, (d) => d.lastRun?.outcome.kind === 'converged', 90_000);
    expect(provider.records.size).toBe(1);
    expect((await readObject(ref))?.status?.dnsRecordId).toBe([...provider.records.keys()][0]);
  });
});
