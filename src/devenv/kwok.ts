import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { KubeComponentOptions } from './kube-components.js';
import { type ManagedProcess, startProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { awaitReady } from './server-start.js';

/** The fake node's name. */
export const KWOK_NODE_NAME = 'kwok-node-0';

/** A running kwok with its node. */
export interface RunningKwok {
  readonly nodeName: string;
  readonly process: ManagedProcess;
}

/**
 * Starts kwok managing one fake node, creates that node, and waits until it is Ready. Pods scheduled to it
 * become Running and Ready without any container runtime.
 *
 * @throws {ServerStartError}
 */
export async function startKwok(
  options: KubeComponentOptions & { readonly stagesBinary: string },
): Promise<RunningKwok> {
  const config = join(options.workDir, 'kwok-stages.yaml');
  const { stdout } = await promisify(execFile)(options.stagesBinary);
  await writeFile(config, stdout);
  const kwok = startProcess({
    name: 'kwok',
    command: options.binary,
    args: [
      `--kubeconfig=${options.kubeconfigFile}`,
      `--config=${config}`,
      `--manage-single-node=${KWOK_NODE_NAME}`,
      '--cidr=10.0.0.1/24',
      '--node-ip=10.0.0.1',
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${await freePort()}`,
    ],
    logFile: join(options.workDir, 'kwok.log'),
    watchdog: options.watchdog,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(options.kubeconfigFile);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNode({ body: fakeNode(KWOK_NODE_NAME) });
  await awaitReady(kwok, () => nodeReady(core, KWOK_NODE_NAME), {
    what: `node ${KWOK_NODE_NAME} Ready`,
    timeoutMs: options.timeoutMs,
  });
  return { nodeName: KWOK_NODE_NAME, process: kwok };
}

function fakeNode(name: string): V1Node {
  const capacity = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: { type: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
    },
    status: { allocatable: capacity, capacity },
  };
}

async function nodeReady(core: CoreV1Api, name: string): Promise<true | undefined> {
  const node = await core.readNode({ name });
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? true : undefined;
}
