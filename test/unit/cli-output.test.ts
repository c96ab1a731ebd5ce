import { describe, expect, it } from 'vitest';
import { headline, workerLogLine } from '../../src/cli/dev-logger.js';
import { progressLine } from '../../src/cli/dev-progress.js';
import { innermostMessage } from '../../src/cli/errors.js';
import { kindMatches } from '../../src/cli/find-loop.js';
import type { RunReport } from '../../src/core/outcome.js';
import type { ResourceRef } from '../../src/core/resource-ref.js';
import type { ResourceDescription } from '../../src/workflows/contract.js';

const ref: ResourceRef = {
  group: 'example.staircase.dev',
  version: 'v1',
  kind: 'Website',
  plural: 'websites',
  namespace: 'default',
  name: 'blog',
};

function described(
  lastRun: RunReport | undefined,
  extra: Partial<ResourceDescription> = {},
): ResourceDescription {
  return {
    ref,
    phase: 'Progressing',
    paused: false,
    runNumber: lastRun?.runNumber ?? 0,
    ...(lastRun ? { lastRun } : {}),
    consecutiveModifyingRuns: 0,
    consecutiveFailedRuns: 0,
    flapping: false,
    ...extra,
  };
}

const modifiedAt = (step: string, reason: string, runNumber: number): RunReport => ({
  runNumber,
  generation: 1,
  outcome: { kind: 'modified', step, reason },
  steps: [],
  startedAt: '2026-11-30T12:00:00.000Z',
});

describe('staircase dev progress lines', () => {
  it('pairs the step with the message of the same run, even while the next run checks another step', () => {
    const during = described(modifiedAt('account', 'updated account 42', 3), { currentStep: 'quota' });
    expect(progressLine(ref, during)).toBe(
      'default/blog: Progressing at step account (run 3) — updated account 42',
    );
  });

  it.each([
    [undefined, 'default/blog: waiting for its first run'],
    [described(undefined, { phase: 'Pending' }), 'default/blog: Pending'],
    [
      described(
        { ...modifiedAt('x', 'y', 7), outcome: { kind: 'converged' } },
        { phase: 'Ready', currentStep: 'configmap' },
      ),
      'default/blog: Ready (run 7)',
    ],
    [
      described(
        {
          ...modifiedAt('x', 'y', 4),
          outcome: { kind: 'waiting', step: 'available', reason: '0 of 1 replicas' },
        },
        { phase: 'Waiting' },
      ),
      'default/blog: Waiting at step available (run 4) — 0 of 1 replicas',
    ],
  ])('describes %o as %s', (description, line) => {
    expect(progressLine(ref, description)).toBe(line);
  });
});

describe('staircase dev worker log lines', () => {
  const failure = new Error('connect ECONNREFUSED 127.0.0.1:8053\n    at first frame');
  failure.stack = 'Error: connect ECONNREFUSED 127.0.0.1:8053\n    at first frame\n    at second frame';
  const entry = {
    level: 'WARN' as const,
    message: 'Activity failed',
    meta: {
      activityType: 'applyStep',
      workflowId: 'websites.example.staircase.dev/default/blog',
      attempt: 3,
      error: failure,
    },
  };

  it('prints one line per retried activity, naming the activity, the resource and the attempt', () => {
    expect(workerLogLine(entry, false)).toBe(
      '[worker] WARN Activity failed: applyStep of websites.example.staircase.dev/default/blog (attempt 3): connect ECONNREFUSED 127.0.0.1:8053\n',
    );
  });

  it('adds the stack trace at debug level', () => {
    const lines = workerLogLine(entry, true).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('        at second frame');
  });

  it('cuts a Kubernetes API error to its status line', () => {
    const message = 'HTTP-Code: 429\nMessage: Unknown API Status Code!\nBody: "{\\"kind\\":\\"Status\\"}"';
    expect(headline(message)).toBe('HTTP-Code: 429');
    expect(headline('HTTP-Code: 429 Message: busy Body: {"kind":"Status"} Headers: {}')).toBe(
      'HTTP-Code: 429 Message: busy',
    );
  });
});

describe('loop-control commands', () => {
  const loop = { kind: 'Website', workflowId: 'websites.example.staircase.dev/default/blog' };

  it.each([
    ['Website', true],
    ['website', true],
    ['WEBSITES', true],
    ['websites.example.staircase.dev', true],
    ['Widget', false],
    ['web', false],
  ])('kind %s matches a Website loop: %s', (typed, expected) => {
    expect(kindMatches(typed, loop)).toBe(expected);
  });

  it("reports the innermost reason of a wrapped error (a workflow's rejection, not the SDK's wrapper)", () => {
    const rejected = new Error('Workflow Update failed', {
      cause: new Error('the resource is paused; resume it first'),
    });
    expect(innermostMessage(rejected)).toBe('the resource is paused; resume it first');
  });
});
