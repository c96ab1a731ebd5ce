import { beforeAll, describe, expect, it } from 'vitest';
import { installKind, startScenario } from '../support/engine.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('the engine worker', () => {
  beforeAll(() => installKind(Stack));

  it('runs the engine’s workflow code without stack frames (the SDK’s per-promise stack traces were ≈40 % of its CPU)', async () => {
    const { engine, ref, handle } = await startScenario(stackOperator(), 'lean', { items: ['a'] });
    await engine.waitFor(ref, (d) => d.phase === 'Ready');
    // The loop now waits on a timer and a condition: with frames, the query answers with where those promises
    // were made ("at sleepUntil…", "at condition…").
    const stacks = await handle.query<string>('__stack_trace');
    expect(stacks).not.toMatch(/\bat\b/);
  });
});
