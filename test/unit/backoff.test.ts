import { describe, expect, it } from 'vitest';
import { type BackoffPolicy, backoffDelay } from '../../src/core/backoff.js';

const engine: BackoffPolicy = { initialMs: 10_000, maxMs: 5 * 60_000 };
const watcher: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

describe('backoffDelay', () => {
  it.each([
    ['the first failure waits the initial delay', 1, engine, 10_000],
    ['each further failure doubles it', 2, engine, 20_000],
    ['… and doubles again', 4, engine, 80_000],
    ['it stops growing at the maximum', 6, engine, 300_000],
    ['a very long streak stays at the maximum', 10_000, engine, 300_000],
    ['no failure yet counts as the first', 0, engine, 10_000],
    ['a negative count counts as the first', -3, engine, 10_000],
    ["the watcher's retries follow the same curve", 3, watcher, 2_000],
    ['another multiplier grows by it', 3, { ...watcher, multiplier: 3 }, 4_500],
    ['a multiplier of 1 keeps the delay constant', 9, { ...watcher, multiplier: 1 }, 500],
    ['an initial delay above the maximum is capped', 1, { initialMs: 60_000, maxMs: 1_000 }, 1_000],
  ] as const)('%s', (_name, attempt, policy, expected) => {
    expect(backoffDelay(attempt, policy)).toBe(expected);
  });
});
