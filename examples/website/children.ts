import {
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  type V1Service,
} from '@kubernetes/client-node';
import type { StepContext } from 'staircase-temporal';
import { Website, type WebsiteResource } from './kind.js';

type Context = StepContext<typeof Website>;

/** The field manager of every server-side apply by this operator. */
export const FIELD_MANAGER = 'staircase-website';

/** Names of a Website's children. */
export function childNames(site: WebsiteResource) {
  const name = site.metadata.name;
  return { configMap: `${name}-content`, deployment: name, service: name };
}

const ownerReference = (site: WebsiteResource) => ({
  apiVersion: Website.apiVersion,
  kind: Website.kind,
  name: site.metadata.name,
  uid: site.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

const labels = (site: WebsiteResource) => ({
  'app.kubernetes.io/name': 'website',
  'app.kubernetes.io/instance': site.metadata.name,
});

function metadata(site: WebsiteResource, name: string) {
  return {
    name,
    namespace: site.metadata.namespace ?? 'default',
    labels: labels(site),
    ownerReferences: [ownerReference(site)],
  };
}

/** The ConfigMap holding the content. */
export function desiredConfigMap(site: WebsiteResource): KubernetesObject & { data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(site, childNames(site).configMap),
    data: { 'index.html': site.spec.content },
  };
}

/** The Deployment serving the content with the image. */
export function desiredDeployment(site: WebsiteResource): V1Deployment {
  const names = childNames(site);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(site, names.deployment),
    spec: {
      replicas: site.spec.replicas,
      selector: { matchLabels: labels(site) },
      template: {
        metadata: { labels: labels(site) },
        spec: {
          containers: [
            {
              name: 'web',
              image: site.spec.image,
              ports: [{ containerPort: 80 }],
              volumeMounts: [{ name: 'content', mountPath: '/usr/share/nginx/html' }],
            },
          ],
          volumes: [{ name: 'content', configMap: { name: names.configMap } }],
        },
      },
    },
  };
}

/** The Service in front of the Deployment. */
export function desiredService(site: WebsiteResource): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(site, childNames(site).service),
    spec: { selector: labels(site), ports: [{ port: 80, targetPort: 80 }] },
  };
}

/** Reads a child; `undefined` when it does not exist. */
export async function readChild<T extends KubernetesObject>(
  context: Context,
  desired: T,
): Promise<T | undefined> {
  try {
    return (await KubernetesObjectApi.makeApiClient(context.kube).read(desired as never)) as T;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** Writes a child with server-side apply (idempotent by nature). */
export async function applyChild(context: Context, desired: KubernetesObject): Promise<void> {
  await KubernetesObjectApi.makeApiClient(context.kube).patch(
    desired,
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}
