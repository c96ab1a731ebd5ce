/**
 * The Greeting resources every system under test reconciles (examples/greeting: a ConfigMap child and status), and
 * the API calls the hand-written systems make for them: the same calls an in-process controller would make.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';

export const GROUP = 'example.staircase.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'greetings';
/** How many creates the bench keeps in flight during a burst (and the floor its create-and-write pipelines). */
export const CREATE_CONCURRENCY = 32;

/** A Greeting as read from the API server. */
export interface GreetingObject extends KubernetesObject {
  spec: { message: string; ready?: boolean };
  status?: {
    configMap?: string;
    observedGeneration?: number;
    phase?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
  };
}

export const greetingName = (index: number) => `g-${String(index).padStart(5, '0')}`;
export const configMapName = (greeting: string) => `${greeting}-greeting`;
export const messageOf = (name: string) => `hello ${name}`;

/** Ready as the engine says it: condition Ready=True for the object's current generation. */
export function isReady(greeting: GreetingObject): boolean {
  const status = greeting.status;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' && status?.observedGeneration === greeting.metadata?.generation;
}

/** The clients the bench and the baseline use, all on one pooled connection (see src/runtime/kube-pool.ts). */
export interface GreetingClients {
  readonly kube: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly objects: KubernetesObjectApi;
}

export function greetingClients(kube: KubeConfig): GreetingClients {
  return {
    kube,
    custom: kube.makeApiClient(CustomObjectsApi),
    core: kube.makeApiClient(CoreV1Api),
    objects: KubernetesObjectApi.makeApiClient(kube),
  };
}

export async function createNamespace(clients: GreetingClients, name: string): Promise<void> {
  await clients.core.createNamespace({ body: { metadata: { name } } });
}

export async function createGreeting(
  clients: GreetingClients,
  namespace: string,
  name: string,
): Promise<GreetingObject> {
  const body = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Greeting',
    metadata: { name, namespace },
    spec: { message: messageOf(name), ready: true },
  };
  return (await clients.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
    body,
  })) as GreetingObject;
}

export async function readGreeting(
  clients: GreetingClients,
  namespace: string,
  name: string,
): Promise<GreetingObject> {
  return (await clients.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
    name,
  })) as GreetingObject;
}

/** Changes a Greeting's message (a spec change: a new generation). */
export async function editMessage(
  clients: GreetingClients,
  namespace: string,
  name: string,
  message: string,
): Promise<void> {
  await clients.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { spec: { message } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** The ConfigMap child as the greeting operator declares it, owned by the Greeting. */
export function desiredConfigMap(greeting: GreetingObject): V1ConfigMap {
  const meta = greeting.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: configMapName(meta.name ?? ''),
      namespace: meta.namespace ?? '',
      ownerReferences: [
        {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Greeting',
          name: meta.name ?? '',
          uid: meta.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: { message: greeting.spec.message },
  };
}

/** Server-side apply of the ConfigMap child (forced, field manager `fieldManager`). */
export async function applyConfigMap(
  clients: GreetingClients,
  greeting: GreetingObject,
  fieldManager: string,
): Promise<void> {
  const body = desiredConfigMap(greeting);
  await clients.objects.patch(body, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}

/** The status fields the engine writes for a converged greeting: the operator's and the engine's. */
export function readyStatus(greeting: GreetingObject, now: string): GreetingObject['status'] {
  const generation = greeting.metadata?.generation ?? 0;
  const condition = (type: string, status: 'True' | 'False', message: string) => {
    const before = greeting.status?.conditions?.find((c) => c.type === type);
    const since = before?.status === status ? (before.lastTransitionTime ?? now) : now;
    return {
      type,
      status,
      reason: 'Converged',
      message,
      lastTransitionTime: since,
      observedGeneration: generation,
    };
  };
  return {
    configMap: configMapName(greeting.metadata?.name ?? ''),
    observedGeneration: generation,
    phase: 'Ready',
    conditions: [
      condition('Ready', 'True', 'every step passes'),
      condition('Reconciling', 'False', 'nothing to do'),
      condition('Stalled', 'False', 'nothing to do'),
    ],
  };
}

/** A merge patch of the status subresource, guarded by the object's uid. */
export async function patchStatus(
  clients: GreetingClients,
  greeting: GreetingObject,
  status: GreetingObject['status'],
): Promise<void> {
  const meta = greeting.metadata ?? {};
  await clients.custom.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      namespace: meta.namespace ?? '',
      plural: PLURAL,
      name: meta.name ?? '',
      body: { metadata: { uid: meta.uid }, status },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Runs `task` for 0..count-1 with at most `concurrency` in flight. */
export async function forEachLimited(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
