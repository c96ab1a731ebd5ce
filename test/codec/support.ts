import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ResourceKind } from '../../src/operator/resource-kind.js';
import type { OperatorTest } from '../../src/testing/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A fresh AES-256 key, base64. */
export const newKey = () => randomBytes(32).toString('base64');

/** Writes a key file `{ current, keys }` in a fresh folder and returns its path. */
export async function writeKeyFile(current: string, keys: Record<string, string>): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'codec-keys-')), 'keys.json');
  await writeFile(file, JSON.stringify({ current, keys }), { mode: 0o600 });
  return file;
}

/** Creates or replaces the Secret `name` with `token` in the test's namespace. */
export async function putSecret(
  test: OperatorTest<ResourceKind>,
  name: string,
  token: string,
): Promise<void> {
  const core = test.kube.makeApiClient(CoreV1Api);
  const body = { metadata: { name }, data: { token: Buffer.from(token).toString('base64') } };
  await core.createNamespacedSecret({ namespace: test.namespace, body });
}

/**
 * Every execution's history of a workflow as the server stores it, serialized: fetched with `client`, which has no
 * codec, so nothing is decoded on the way.
 */
export async function rawHistoryBytes(client: Client, workflowId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    parts.push(Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()));
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    runId = started?.continuedExecutionRunId ?? undefined;
    if (!runId) return Buffer.concat(parts);
  }
}

/** Runs `staircase ARGS` and resolves with its exit code and output, whatever the code. */
export async function staircase(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      {
        env: { ...process.env, ...env },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
