import { CustomObjectsApi } from '@kubernetes/client-node';
import { Greeting } from '../../examples/greeting/operator.js';
import { adminKubeConfig } from './kube.js';

/** How many Greetings in `namespace` say `Ready=True`. */
export async function readyGreetings(namespace: string): Promise<number> {
  const api = adminKubeConfig().makeApiClient(CustomObjectsApi);
  const { group, version, plural } = Greeting;
  const list = (await api.listNamespacedCustomObject({ group, version, namespace, plural })) as {
    items: { status?: { conditions?: { type: string; status: string }[] } }[];
  };
  return list.items.filter((item) =>
    item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}
