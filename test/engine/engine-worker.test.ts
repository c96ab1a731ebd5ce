import { beforeAll, describe, expect, it } from 'vitest';
import { installKind, startScenario } from '../support/engine.js';
import { Stack, stackOperator } from './fixtures/test-operator.js';

describe('the engine worker', () => {
  beforeAll(() => installKind(Stack));

  it('runs loops without the SDK capturing a stack trace per workflow promise (most of a run’s workflow CPU)', async () => {
    const { engine, ref, handle } = await startScenario(stackOperator(), 'lean', { items: ['a'] });
    await engine.waitFor(ref, (d) => d.phase === 'Ready');
    // The loop now waits on a timer and a condition: with the SDK's promise hook in place, the query answers
    // with the stacks of those pending promises.
    expect(await handle.query<string>('__stack_trace')).toBe('');
  });
});
