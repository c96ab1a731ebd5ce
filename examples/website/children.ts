import type { KubernetesObject, V1Deployment, V1Service } from '@kubernetes/client-node';
import type { WebsiteResource } from './kind.js';

/** Names of a Website's children. */
export function childNames(site: WebsiteResource) {
  const name = site.metadata.name;
  return { configMap: `${name}-content`, deployment: name, service: name };
}

const labels = (site: WebsiteResource) => ({
  'app.kubernetes.io/name': 'website',
  'app.kubernetes.io/instance': site.metadata.name,
});

/** The ConfigMap holding the content. */
export function desiredConfigMap(site: WebsiteResource): KubernetesObject & { data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: childNames(site).configMap, labels: labels(site) },
    data: { 'index.html': site.spec.content },
  };
}

/** The Deployment serving the content with the image. */
export function desiredDeployment(site: WebsiteResource): V1Deployment {
  const names = childNames(site);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: names.deployment, labels: labels(site) },
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
    metadata: { name: childNames(site).service, labels: labels(site) },
    spec: { selector: labels(site), ports: [{ port: 80, targetPort: 80 }] },
  };
}
