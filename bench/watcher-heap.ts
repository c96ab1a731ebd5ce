/**
 * `npm run bench:watcher-heap`: the V8 heap each watched object takes as the API server lists it, against the same
 * object as the watcher keeps it (`withoutFieldSets`), measured side by side in one process on a real
 * kube-apiserver. The objects carry the managed fields a converged Greeting and its ConfigMap have: created by a
 * client, the engine's status apply (three conditions), the status step's patch, the child's apply.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { z } from 'zod';
import greetingOperator, { Greeting } from '../examples/greeting/operator.js';
import { startControlPlane } from '../src/devenv/control-plane.js';
import { binarySourcesFromEnv, installCrd, pathsOf, provisionBinaries } from '../src/devenv/index.js';
import { Watchdog } from '../src/devenv/watchdog.js';
import { fieldManagerOf } from '../src/operator/operator.js';
import { loadKubeConfig } from '../src/runtime/kube-config.js';
import { closeKubeRequestAgents, kubeRequest } from '../src/runtime/kube-http.js';
import { withoutFieldSets } from '../src/watcher/list-watch.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' } } });
const count = z.coerce.number().int().min(1).max(100_000).parse(values.n);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc (npm run bench:watcher-heap does)');
const gc = collect;

const NAMESPACE = 'default';
const greetings = `/apis/${Greeting.apiVersion}/namespaces/${NAMESPACE}/${Greeting.plural}`;
const configMaps = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
const manager = fieldManagerOf(greetingOperator);

/** Writes one converged Greeting and its ConfigMap as a client and the engine would. */
async function writeGreeting(kube: KubeConfig, name: string, now: string): Promise<void> {
  const apply = (path: string, body: object) =>
    kubeRequest(kube, {
      method: 'PATCH',
      path,
      query: { fieldManager: manager, force: 'true' },
      body,
      contentType: 'application/apply-patch+yaml',
    });
  const head = { apiVersion: Greeting.apiVersion, kind: Greeting.kind, metadata: { name } };
  const created = await kubeRequest<KubernetesObject>(kube, {
    method: 'POST',
    path: greetings,
    body: { ...head, spec: { message: `hello ${name}` } },
  });
  const conditions = ['Ready', 'Reconciling', 'Stalled'].map((type) => ({
    type,
    status: type === 'Ready' ? 'True' : 'False',
    reason: type === 'Ready' ? 'Converged' : 'Idle',
    message: 'every step passes',
    lastTransitionTime: now,
    observedGeneration: 1,
  }));
  await apply(`${greetings}/${name}/status`, {
    ...head,
    status: { observedGeneration: 1, phase: 'Ready', conditions },
  });
  await kubeRequest(kube, {
    method: 'PATCH',
    path: `${greetings}/${name}/status`,
    body: { status: { configMap: `${name}-greeting` } },
    contentType: 'application/merge-patch+json',
  });
  const owner = {
    apiVersion: Greeting.apiVersion,
    kind: Greeting.kind,
    name,
    uid: created.metadata?.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  await apply(`${configMaps}/${name}-greeting`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-greeting`, ownerReferences: [owner] },
    data: { message: `hello ${name}` },
  });
}

/**
 * The objects of a listed collection, kept as `keep` makes them. A function of its own: a frame still running holds
 * its temporaries (here the parsed list, field sets and all) where the collector cannot free them.
 */
function keptObjects(text: string, keep: (object: KubernetesObject) => KubernetesObject): KubernetesObject[] {
  return (JSON.parse(text) as { items: KubernetesObject[] }).items.map(keep);
}

/** Heap bytes per listed object, kept as `keep` makes them; the list's text stays alive throughout. */
function heapPerObject(text: string, keep: (object: KubernetesObject) => KubernetesObject): number {
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = heap();
  const kept = keptObjects(text, keep);
  const bytes = heap() - before;
  return kept.length > 0 ? bytes / kept.length : 0;
}

const watchdog = Watchdog.start();
const workDir = await mkdtemp(join(tmpdir(), 'staircase-watcher-heap-'));
const binaries = pathsOf(
  await provisionBinaries(['etcd', 'kube-apiserver'], binarySourcesFromEnv(process.env)),
);
const plane = await startControlPlane({ binaries, workDir, watchdog, profile: 'minimal' });
const kube = loadKubeConfig({ file: plane.admin.path, fallback: 'default' });
try {
  await installCrd(kube, Greeting.crd());
  const now = new Date().toISOString();
  for (let i = 0; i < count; i += 50) {
    const names = Array.from({ length: Math.min(50, count - i) }, (_, j) => `greeting-${i + j}`);
    await Promise.all(names.map((name) => writeGreeting(kube, name, now)));
  }
  console.log(`${count} converged Greetings and their ConfigMaps; V8 heap per object:\n`);
  console.log('| kind      | as listed (B) | as the watcher keeps it (B) | saved |');
  console.log('| --------- | ------------: | --------------------------: | ----: |');
  for (const [kind, path] of [
    ['Greeting', greetings],
    ['ConfigMap', configMaps],
  ] as const) {
    const text = JSON.stringify(await kubeRequest(kube, { method: 'GET', path }));
    const listed = heapPerObject(text, (object) => object);
    const kept = heapPerObject(text, withoutFieldSets);
    const saved = `${Math.round((100 * (listed - kept)) / listed)} %`;
    console.log(
      `| ${kind.padEnd(9)} | ${listed.toFixed(0).padStart(13)} | ${kept.toFixed(0).padStart(27)} | ${saved.padStart(5)} |`,
    );
  }
} finally {
  closeKubeRequestAgents(kube);
  await plane.stop();
  watchdog.close();
  await rm(workDir, { recursive: true, force: true });
}
