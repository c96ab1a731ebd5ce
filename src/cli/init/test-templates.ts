import type { ProjectNames } from './names.js';

/** `test/operator.test.ts`: the operator on real servers through the testing kit, and its replay test. */
export function operatorTestSource(n: ProjectNames): string {
  return `import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertHistoriesReplay, type OperatorTest, startOperatorTest } from 'staircase-temporal/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import operator, { ${n.kind} } from '../src/operator.js';

const HISTORIES = fileURLToPath(new URL('./histories/', import.meta.url));

// Tests in a file run one after another: the replay test at the end replays what the first one recorded.
describe('the ${n.operator} operator', () => {
  let test: OperatorTest<typeof ${n.kind}>;
  beforeAll(async () => {
    test = await startOperatorTest({ operator });
  });
  afterAll(() => test?.stop());

  it('writes the message to a ConfigMap, one change per run, and holds when asked', async () => {
    const ref = await test.create('hello', { message: 'hello, world' });
    await test.waitForReady(ref);
    expect((await test.get(ref))?.status).toMatchObject({ phase: 'Ready', configMap: 'hello-message' });
    const runs = await test.assertEngineGuarantees(ref);
    // With a cleanup plan, the engine's own first step adds its finalizer: one change, in a run of its own.
    expect(runs.flatMap((run) => run.applies)).toEqual([
      'staircase:add-finalizer',
      'configmap',
      'record-configmap',
    ]);

    await test.patchSpec(ref, { hold: true });
    const held = await test.waitUntil(ref, 'to wait at hold', (d) => d.lastRun?.outcome.kind === 'waiting');
    expect(held.currentStep).toBe('hold');

    await recordOnce(test, ref, 'hello');
  });

  it('deletes the ConfigMap before the ${n.kind} goes', async () => {
    const ref = await test.create('bye', { message: 'bye' });
    await test.waitForReady(ref);
    await test.delete(ref);
    await test.waitForDeletion(ref);
    const runs = await test.runs(ref);
    expect(runs.filter((run) => run.purpose === 'cleanup').flatMap((run) => run.applies)).toEqual([
      'delete-configmap',
      'staircase:remove-finalizer',
    ]);
  });

  it('replays every recorded history against the current code', async () => {
    expect(await assertHistoriesReplay(HISTORIES)).toBeGreaterThan(0);
  });
});

/**
 * Records the resource's history the first time (like a snapshot); later runs replay it, so a change that would
 * break running loops fails here. In CI a missing history is an error: record it locally and commit it.
 */
async function recordOnce(test: OperatorTest<typeof ${n.kind}>, ref: Parameters<typeof test.get>[0], name: string) {
  const file = \`\${HISTORIES}\${name}.json\`;
  if (existsSync(file) && process.env.RECORD_HISTORIES !== '1') return;
  if (process.env.CI) throw new Error(\`\${file} is missing: run \\\`npm run histories:record\\\` and commit it\`);
  await test.recordHistory(ref, HISTORIES, name);
}
`;
}

/** `test/global-setup.ts`: one set of servers for the whole test run. */
export const GLOBAL_SETUP = `// Starts a real Temporal dev server and a real Kubernetes control plane once for the whole test run.
import { provideTestServers } from 'staircase-temporal/testing';

export default provideTestServers;
`;

/** `vitest.config.ts`. */
export const VITEST_CONFIG = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // The Temporal worker loads a native module: run test files in separate processes.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
`;
