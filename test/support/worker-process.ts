import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { inject, onTestFinished } from 'vitest';

const workerScript = fileURLToPath(new URL('../engine/fixtures/run-worker.ts', import.meta.url));

/**
 * Starts an engine worker in a child process (so a test can SIGKILL it) on `taskQueue`; `operatorModule` defaults to
 * the engine test operator. Resolves once the worker polls. Killed when the test finishes.
 */
export async function startWorkerProcess(
  taskQueue: string,
  operatorModule?: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const args = [
    inject('temporalAddress'),
    inject('temporalNamespace'),
    taskQueue,
    inject('kube').adminKubeconfigPath,
  ];
  if (operatorModule) args.push(operatorModule);
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    if (line === 'worker ready') return child;
  }
  throw new Error('the worker process exited before it was ready');
}
