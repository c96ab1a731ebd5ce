/**
 * Reads what the end-state checks look at: the Websites and their children from Kubernetes, the DNS provider's
 * records, and each existing Website's loop through its `describe` query.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1ObjectMeta,
} from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { RunningDnsProvider } from '../examples/website/dns-provider.js';
import { Website } from '../examples/website/kind.js';
import type { RunOutcome } from '../src/core/outcome.js';
import { workflowIdFor } from '../src/core/resource-ref.js';
import { describeQuery } from '../src/workflows/contract.js';
import type { ChildObject, LoopView, SiteObject, WorldSnapshot } from './verdict.js';

const SELECTOR = 'app.kubernetes.io/name=website';

interface RawSite {
  readonly metadata: V1ObjectMeta;
  readonly spec: SiteObject['spec'];
  readonly status?: { readonly conditions?: { type: string; status: string; observedGeneration: number }[] };
}

/** What a snapshot is read from. */
export interface SnapshotSources {
  readonly kube: KubeConfig;
  readonly namespace: string;
  readonly dns: RunningDnsProvider;
  readonly temporal: Client;
}

/** Reads the world once. @throws when Kubernetes does not answer (the caller polls). */
export async function readWorld(sources: SnapshotSources): Promise<WorldSnapshot> {
  const { kube, namespace } = sources;
  const [sites, children] = await Promise.all([readSites(kube, namespace), readChildren(kube, namespace)]);
  const loops = new Map(
    await Promise.all(
      sites.map(async (site) => [site.name, await readLoop(sources.temporal, site.name, namespace)] as const),
    ),
  );
  return { namespace, sites, children, records: [...sources.dns.records.values()], loops };
}

async function readSites(kube: KubeConfig, namespace: string): Promise<SiteObject[]> {
  const { group, version, plural } = Website;
  const list = (await kube
    .makeApiClient(CustomObjectsApi)
    .listNamespacedCustomObject({ group, version, plural, namespace })) as { items: RawSite[] };
  return list.items.map((item) => {
    const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
    return {
      name: item.metadata.name ?? '',
      uid: item.metadata.uid ?? '',
      generation: item.metadata.generation ?? 0,
      deleting: item.metadata.deletionTimestamp !== undefined,
      spec: item.spec,
      ...(ready ? { ready: { status: ready.status, observedGeneration: ready.observedGeneration } } : {}),
    };
  });
}

function childOf(
  kind: ChildObject['kind'],
  metadata: V1ObjectMeta | undefined,
  extra: Partial<ChildObject>,
): ChildObject {
  return {
    kind,
    name: metadata?.name ?? '',
    instance: metadata?.labels?.['app.kubernetes.io/instance'] ?? '',
    ownerUids: (metadata?.ownerReferences ?? []).map((o) => o.uid),
    ...extra,
  };
}

async function readChildren(kube: KubeConfig, namespace: string): Promise<ChildObject[]> {
  const core = kube.makeApiClient(CoreV1Api);
  const apps = kube.makeApiClient(AppsV1Api);
  const query = { namespace, labelSelector: SELECTOR };
  const [configMaps, deployments, services] = await Promise.all([
    core.listNamespacedConfigMap(query),
    apps.listNamespacedDeployment(query),
    core.listNamespacedService(query),
  ]);
  return [
    ...configMaps.items.map((c) =>
      childOf('ConfigMap', c.metadata, { content: c.data?.['index.html'] ?? '' }),
    ),
    ...deployments.items.map((d) => childOf('Deployment', d.metadata, { replicas: d.spec?.replicas ?? 0 })),
    ...services.items.map((s) => childOf('Service', s.metadata, {})),
  ];
}

function detailOf(outcome: RunOutcome): { lastDetail?: string } {
  if (outcome.kind === 'converged' || outcome.kind === 'deleted') return {};
  return { lastDetail: `${outcome.step ?? 'no step'}: ${outcome.reason}` };
}

async function readLoop(temporal: Client, name: string, namespace: string): Promise<LoopView> {
  try {
    const described = await temporal.workflow
      .getHandle(workflowIdFor(Website.ref(name, namespace)))
      .query(describeQuery);
    return {
      phase: described.phase,
      ...(described.lastRun
        ? {
            lastOutcome: described.lastRun.outcome.kind,
            lastGeneration: described.lastRun.generation,
            ...detailOf(described.lastRun.outcome),
          }
        : {}),
    };
  } catch (error) {
    return { error: `describe failed: ${(error as Error).message}` };
  }
}
