import { stringify } from 'yaml';
import type { CertifiedKey } from './pki.js';

/** What a kubeconfig needs to reach one API server as one identity. */
export interface KubeconfigParams {
  readonly server: string;
  readonly caPem: string;
  readonly client: CertifiedKey;
  /** Name of the cluster, user and context; also the context's name. */
  readonly contextName: string;
  /** Default namespace of the context. */
  readonly namespace?: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Renders a self-contained kubeconfig (certificates inlined) with a single context. */
export function renderKubeconfig(params: KubeconfigParams): string {
  const name = params.contextName;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: params.server, 'certificate-authority-data': b64(params.caPem) } }],
    users: [
      {
        name,
        user: {
          'client-certificate-data': b64(params.client.certPem),
          'client-key-data': b64(params.client.keyPem),
        },
      },
    ],
    contexts: [
      {
        name,
        context: { cluster: name, user: name, ...(params.namespace ? { namespace: params.namespace } : {}) },
      },
    ],
    'current-context': name,
  });
}
