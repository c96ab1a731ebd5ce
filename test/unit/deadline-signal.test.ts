import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../src/activities/deadline-signal.js';

describe('deadlineSignal', () => {
  it('fires with the parent’s reason when the parent fires first', () => {
    const parent = new AbortController();
    const { signal, dispose } = deadlineSignal(parent.signal, 60_000);
    parent.abort(new Error('cancelled'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('cancelled');
    dispose();
  });

  it('fires with a TimeoutError once the deadline passes', async () => {
    const { signal } = deadlineSignal(new AbortController().signal, 20);
    await sleep(60);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('is aborted at once under an aborted parent', () => {
    const parent = AbortSignal.abort(new Error('gone'));
    expect(deadlineSignal(parent, 60_000).signal.aborted).toBe(true);
  });

  it('once disposed, never fires and no longer listens to the parent (nothing keeps it alive)', async () => {
    const parent = new AbortController();
    const deadline = deadlineSignal(parent.signal, 20);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    deadline.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    await sleep(60);
    parent.abort();
    expect(deadline.signal.aborted).toBe(false);
  });

  it('without a deadline is the parent itself', () => {
    const parent = new AbortController().signal;
    expect(deadlineSignal(parent, 0).signal).toBe(parent);
  });
});
