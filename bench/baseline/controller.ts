/**
 * What a user would write instead of Staircase, as a process of its own so its CPU and memory are measured like the
 * engine's: `controller` is an informer + work-queue controller on the same client (@kubernetes/client-node) making
 * the same API calls as the greeting operator (read the Greeting, apply its ConfigMap with an owner reference,
 * patch its status with the same fields); `floor` makes only the writes (create, apply, patch status), no watch.
 *
 * Usage: tsx bench/baseline/controller.ts controller|floor KUBECONFIG NAMESPACE WORKERS_OR_COUNT
 * Prints `ready` once it can start; `floor` starts on SIGUSR1 and prints `done` when finished.
 */
import { ApiException, type KubernetesObject, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../src/runtime/kube-config.js';
import { poolConnections } from '../../src/runtime/kube-pool.js';
import {
  applyConfigMap,
  CREATE_CONCURRENCY,
  configMapName,
  createGreeting,
  forEachLimited,
  GROUP,
  type GreetingClients,
  type GreetingObject,
  greetingClients,
  greetingName,
  isReady,
  PLURAL,
  patchStatus,
  readGreeting,
  readyStatus,
  VERSION,
} from '../greetings.js';
import { WorkQueue } from './work-queue.js';

const FIELD_MANAGER = 'bench-controller';

async function runController(clients: GreetingClients, namespace: string, workers: number) {
  const { kube, custom, core } = clients;
  const greetings = makeInformer<GreetingObject>(
    kube,
    `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
    () => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL }),
  );
  const configMaps = makeInformer<V1ConfigMap>(kube, `/api/v1/namespaces/${namespace}/configmaps`, () =>
    core.listNamespacedConfigMap({ namespace }),
  );
  const queue = new WorkQueue();
  const enqueue = (object: KubernetesObject) => queue.add(object.metadata?.name ?? '');
  greetings.on('add', enqueue);
  // Status-only updates (our own patches) do not change the generation: no need to look again.
  greetings.on('update', (object) => {
    if (object.metadata?.generation !== object.status?.observedGeneration) enqueue(object);
  });
  const enqueueOwner = (child: KubernetesObject) => {
    const owner = child.metadata?.ownerReferences?.find((o) => o.kind === 'Greeting' && o.controller);
    if (owner) queue.add(owner.name);
  };
  configMaps.on('update', enqueueOwner);
  configMaps.on('delete', enqueueOwner);
  const failed = (error: unknown) => process.stderr.write(`baseline: informer error: ${String(error)}\n`);
  greetings.on('error', failed);
  configMaps.on('error', failed);

  const reconcile = async (name: string) => {
    try {
      const greeting = await readGreeting(clients, namespace, name);
      if (greeting.metadata?.deletionTimestamp) return;
      const child = configMaps.get(configMapName(name), namespace);
      const owned = child?.metadata?.ownerReferences?.some((o) => o.uid === greeting.metadata?.uid);
      if (child?.data?.message !== greeting.spec.message || !owned)
        await applyConfigMap(clients, greeting, FIELD_MANAGER);
      if (!isReady(greeting) || greeting.status?.configMap !== configMapName(name))
        await patchStatus(clients, greeting, readyStatus(greeting, new Date().toISOString()));
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return;
      process.stderr.write(`baseline: reconcile ${name}: ${String(error)}\n`);
      queue.addAfter(name, 1000);
    }
  };
  await configMaps.start();
  await greetings.start();
  void queue.run(workers, reconcile);
  process.stdout.write('ready\n');
}

async function runFloor(clients: GreetingClients, namespace: string, count: number) {
  // A signal handler alone does not keep Node running: hold the event loop open until the signal, and after the
  // writes until the bench stops it, so that its CPU time can still be read from /proc.
  setInterval(() => {}, 60_000);
  const go = new Promise((resolve) => process.once('SIGUSR1', resolve));
  process.stdout.write('ready\n');
  await go;
  const now = new Date().toISOString();
  await forEachLimited(count, CREATE_CONCURRENCY, async (index) => {
    const greeting = await createGreeting(clients, namespace, greetingName(index));
    await applyConfigMap(clients, greeting, FIELD_MANAGER);
    await patchStatus(clients, greeting, readyStatus(greeting, now));
  });
  process.stdout.write('done\n');
}

const [mode, kubeconfig, namespace, amount] = process.argv.slice(2);
if (!(mode === 'controller' || mode === 'floor') || !kubeconfig || !namespace || !amount) {
  process.stderr.write('usage: controller.ts controller|floor KUBECONFIG NAMESPACE WORKERS_OR_COUNT\n');
  process.exit(2);
}
const clients = greetingClients(poolConnections(loadKubeConfig({ file: kubeconfig, fallback: 'default' })));
// Discovery of ConfigMap's path is asked once per client: ask it before the clock starts, as a warm process has.
await clients.objects.list('v1', 'ConfigMap', namespace);
if (mode === 'controller') await runController(clients, namespace, Number(amount));
else await runFloor(clients, namespace, Number(amount));
