import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ResourceRef } from '../../src/core/resource-ref.js';
import { defineResourceKind } from '../../src/operator/resource-kind.js';
import { collectionPath } from '../../src/runtime/kube-paths.js';
import { parseWatcherConfig } from '../../src/watcher/config.js';
import { DueHeap } from '../../src/watcher/due-heap.js';
import { OWNER_LABEL, OWNER_NAMESPACE_LABEL, ownerOf } from '../../src/watcher/owners.js';
import {
  CREATED_REASON,
  lastWrittenBy,
  primaryChange,
  relevantChange,
} from '../../src/watcher/predicates.js';
import { SignalQueue, type SignalSender, signalDueAt } from '../../src/watcher/signal-queue.js';

const App = defineResourceKind({
  group: 'apps.example.dev',
  version: 'v1',
  kind: 'App',
  plural: 'apps',
  scope: 'Namespaced',
  spec: z.object({}),
});
const meta = (overrides: Record<string, unknown>) => ({
  metadata: { uid: 'u', generation: 1, ...overrides },
});
const options = { labels: true, annotations: false };

describe('relevantChange', () => {
  it.each([
    ['a spec change (new generation)', meta({}), meta({ generation: 2 }), 'generation 1 → 2'],
    [
      'a deletion request',
      meta({}),
      meta({ deletionTimestamp: '2026-01-01T00:00:00Z' }),
      'deletion requested',
    ],
    ['a finalizer change', meta({}), meta({ finalizers: ['x'] }), 'finalizers changed'],
    ['a label change', meta({ labels: { a: '1' } }), meta({ labels: { a: '2' } }), 'labels changed'],
    ['a replacement (new uid)', meta({}), meta({ uid: 'v' }), 'replaced'],
    [
      'a status-only change',
      meta({ resourceVersion: '1' }),
      { ...meta({ resourceVersion: '2' }), status: { x: 1 } },
      undefined,
    ],
    [
      'a managedFields change',
      meta({ managedFields: [] }),
      meta({ managedFields: [{ manager: 'm' }] }),
      undefined,
    ],
    [
      'an annotation change (ignored by default)',
      meta({ annotations: {} }),
      meta({ annotations: { a: 'b' } }),
      undefined,
    ],
    [
      'labels in another order',
      meta({ labels: { a: '1', b: '2' } }),
      meta({ labels: { b: '2', a: '1' } }),
      undefined,
    ],
  ])('%s', (_, before, after, expected) => {
    expect(relevantChange(before, after, options)).toBe(expected);
  });

  it('reacts to annotations when asked to', () => {
    expect(
      relevantChange(meta({}), meta({ annotations: { a: 'b' } }), { labels: true, annotations: true }),
    ).toBe('annotations changed');
  });
});

describe('lastWrittenBy: the engine’s own writes to owned objects', () => {
  const entry = (manager: string, time: string) => ({ manager, operation: 'Apply', time: new Date(time) });
  const object = (...managedFields: ReturnType<typeof entry>[]) => ({
    metadata: { name: 'c', managedFields },
  });
  const me = 'staircase-greeting';

  it.each([
    ['created by the engine alone', [entry(me, '2026-01-01T00:00:01Z')], true],
    [
      'the engine wrote last',
      [entry('kubectl', '2026-01-01T00:00:01Z'), entry(me, '2026-01-01T00:00:02Z')],
      true,
    ],
    [
      'someone wrote after the engine',
      [entry(me, '2026-01-01T00:00:01Z'), entry('kubectl', '2026-01-01T00:00:02Z')],
      false,
    ],
    [
      'a tie within the second is not the engine’s',
      [entry(me, '2026-01-01T00:00:01Z'), entry('kcm', '2026-01-01T00:00:01Z')],
      false,
    ],
    ['never written by the engine', [entry('kubectl', '2026-01-01T00:00:01Z')], false],
    ['no managed fields', [], false],
  ])('%s', (_, fields, expected) => {
    expect(lastWrittenBy(object(...fields), me)).toBe(expected);
  });
});

describe('primaryChange', () => {
  const options = { labels: true, annotations: false, nowMs: Date.parse('2026-01-01T00:10:00Z') };
  const at = (created: string) => ({
    metadata: { name: 'a', uid: 'u', generation: 1, creationTimestamp: new Date(created) },
  });

  it('calls an object created within the last minute, seen for the first time, created (its loop is started)', () => {
    expect(primaryChange('ADDED', undefined, at('2026-01-01T00:09:30Z'), options)).toBe(CREATED_REASON);
    expect(primaryChange('ADDED', undefined, at('2026-01-01T00:01:00Z'), options)).toBe('added');
  });

  it('compares an object a relist reports again like an update: unchanged, it signals nothing', () => {
    const seen = at('2026-01-01T00:01:00Z');
    expect(primaryChange('ADDED', seen, seen, options)).toBeUndefined();
    const edited = { metadata: { ...seen.metadata, generation: 2 } };
    expect(primaryChange('ADDED', seen, edited, options)).toBe('generation 1 → 2');
  });
});

describe('ownerOf', () => {
  const child = (metadata: Record<string, unknown>) => ({
    metadata: { namespace: 'ns', name: 'c', ...metadata },
  });
  it('follows the controller owner reference of the operator kind', () => {
    const ref = { apiVersion: 'apps.example.dev/v1', kind: 'App', name: 'web', uid: 'x', controller: true };
    expect(ownerOf(child({ ownerReferences: [ref] }), App)).toEqual(App.ref('web', 'ns'));
  });
  it('ignores owner references of other kinds and non-controller references', () => {
    const other = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'x', controller: true };
    const plain = { apiVersion: 'apps.example.dev/v1', kind: 'App', name: 'web', uid: 'x' };
    expect(ownerOf(child({ ownerReferences: [other, plain] }), App)).toBeUndefined();
  });
  it('falls back to the owner label, in the same or another namespace', () => {
    expect(ownerOf(child({ labels: { [OWNER_LABEL]: 'web' } }), App)).toEqual(App.ref('web', 'ns'));
    expect(
      ownerOf(child({ labels: { [OWNER_LABEL]: 'web', [OWNER_NAMESPACE_LABEL]: 'other' } }), App),
    ).toEqual(App.ref('web', 'other'));
  });
  it('reads a name with dots in the owner label as the name, not as a namespace', () => {
    expect(ownerOf(child({ labels: { [OWNER_LABEL]: 'my.site' } }), App)).toEqual(App.ref('my.site', 'ns'));
    expect(
      ownerOf(child({ labels: { [OWNER_LABEL]: 'my.site', [OWNER_NAMESPACE_LABEL]: 'web' } }), App),
    ).toEqual(App.ref('my.site', 'web'));
  });
});

describe('collectionPath', () => {
  it.each([
    [{ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }, 'ns', '/api/v1/namespaces/ns/configmaps'],
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
      undefined,
      '/apis/apps/v1/deployments',
    ],
  ])('builds the API path of %o in %s', (kind, namespace, path) => {
    expect(collectionPath(kind, namespace)).toBe(path);
  });
});

describe('parseWatcherConfig', () => {
  it('fills in defaults', () => {
    expect(parseWatcherConfig({})).toMatchObject({
      namespaces: [],
      debounceMs: 200,
      leaderElection: { enabled: true, leaseDurationMs: 15_000 },
      health: { port: 8080 },
    });
  });
  it('names every invalid setting', () => {
    expect(() => parseWatcherConfig({ debounceMs: -1, namespaces: ['Bad_NS'] })).toThrow(
      /namespaces\.0: not a namespace name[\s\S]*debounceMs/,
    );
  });
});

/** A sender that records deliveries and fails while told to. */
function recordingSender() {
  const sent: string[] = [];
  let failing = false;
  const sender: SignalSender = {
    async send(ref: ResourceRef, reason: string) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failing) throw new Error('unavailable');
      sent.push(`${ref.name}: ${reason}`);
    },
  };
  return { sender, sent, fail: (value: boolean) => (failing = value) };
}

const queueOptions = {
  debounceMs: 50,
  maxInFlight: 4,
  maxPerSecond: 1_000,
  retryInitialMs: 20,
  retryMaxMs: 100,
};
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('signalDueAt', () => {
  it.each([
    ['never signalled: at once', undefined, 1_000, 1_000],
    ['signalled within the window: at its end', 900, 1_000, 1_100],
    ['signalled before the window: at once', 700, 1_000, 1_000],
  ])('%s', (_, last, now, expected) => {
    expect(signalDueAt(last, now, 200)).toBe(expected);
  });
});

describe('SignalQueue', () => {
  it('signals a burst of changes to one resource at once, then once more for all that followed', async () => {
    const { sender, sent } = recordingSender();
    const queue = new SignalQueue({ ...queueOptions, sender, isLeader: () => true });
    for (let i = 0; i < 100; i += 1) queue.enqueue(App.ref('a', 'ns'), i % 2 ? 'updated' : 'added');
    queue.enqueue(App.ref('b', 'ns'), 'added');
    await settle(200);
    expect(sent.sort()).toEqual(['a: added', 'a: updated; added', 'b: added']);
    expect(queue.size).toBe(0);
  });

  it("signals a resource's first change without waiting for the debounce window (leading edge)", async () => {
    const { sender, sent } = recordingSender();
    const queue = new SignalQueue({ ...queueOptions, debounceMs: 60_000, sender, isLeader: () => true });
    queue.enqueue(App.ref('a', 'ns'), 'added');
    await settle(50);
    expect(sent).toEqual(['a: added']);
    queue.enqueue(App.ref('a', 'ns'), 'updated');
    await settle(50);
    expect(sent).toEqual(['a: added']);
    expect(queue.size).toBe(1);
  });

  it('keeps a change that arrives while its signal is in flight and sends it afterwards', async () => {
    const { sender, sent } = recordingSender();
    const queue = new SignalQueue({ ...queueOptions, debounceMs: 0, sender, isLeader: () => true });
    queue.enqueue(App.ref('a', 'ns'), 'first');
    await settle(2);
    queue.enqueue(App.ref('a', 'ns'), 'second');
    await settle(100);
    expect(sent).toEqual(['a: first', 'a: second']);
  });

  it('retries with backoff while delivery fails, losing nothing', async () => {
    const { sender, sent, fail } = recordingSender();
    const failures: string[] = [];
    const queue = new SignalQueue({
      ...queueOptions,
      sender,
      isLeader: () => true,
      onFailed: (ref) => failures.push(ref.name),
    });
    fail(true);
    queue.enqueue(App.ref('a', 'ns'), 'added');
    await settle(300);
    expect(failures.length).toBeGreaterThan(1);
    expect(queue.size).toBe(1);
    fail(false);
    await settle(300);
    expect(sent).toEqual(['a: added']);
    expect(queue.size).toBe(0);
  });

  it('sends nothing while not the leader', async () => {
    const { sender, sent } = recordingSender();
    const queue = new SignalQueue({ ...queueOptions, sender, isLeader: () => false });
    queue.enqueue(App.ref('a', 'ns'), 'added');
    await settle(150);
    expect(sent).toEqual([]);
    expect(queue.size).toBe(0);
  });

  it('flushes pending changes at once, ignoring the debounce window', async () => {
    const { sender, sent } = recordingSender();
    const queue = new SignalQueue({ ...queueOptions, debounceMs: 60_000, sender, isLeader: () => true });
    queue.enqueue(App.ref('a', 'ns'), 'added');
    await settle(20);
    queue.enqueue(App.ref('a', 'ns'), 'updated');
    expect(await queue.flush(1_000)).toBe(0);
    expect(sent).toEqual(['a: added', 'a: updated']);
  });

  it('limits the signals started per second', async () => {
    const { sender, sent } = recordingSender();
    const queue = new SignalQueue({
      ...queueOptions,
      debounceMs: 0,
      maxPerSecond: 20,
      sender,
      isLeader: () => true,
    });
    for (let i = 0; i < 40; i += 1) queue.enqueue(App.ref(`r${i}`, 'ns'), 'resync');
    await settle(500);
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.length).toBeLessThan(35);
  });

  it('delivers a burst of thousands once each, never more in flight than allowed, then changes that followed', async () => {
    let inFlight = 0;
    let most = 0;
    const sent: string[] = [];
    const sender: SignalSender = {
      async send(ref, reason) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight -= 1;
        sent.push(`${ref.name}: ${reason}`);
      },
    };
    const queue = new SignalQueue({
      ...queueOptions,
      maxInFlight: 16,
      maxPerSecond: 1e6,
      sender,
      isLeader: () => true,
    });
    for (let i = 0; i < 3_000; i += 1) queue.enqueue(App.ref(`r${i}`, 'ns'), 'created');
    // Changed again while the first signals are in flight or just sent: due at the window's end, each once more.
    for (let i = 0; i < 3_000; i += 100) queue.enqueue(App.ref(`r${i}`, 'ns'), 'updated');
    await vi.waitFor(() => expect(queue.size).toBe(0), { timeout: 10_000, interval: 20 });
    expect(most).toBe(16);
    const byName = new Map<string, string[]>();
    for (const line of sent) {
      const [name = '', reason = ''] = line.split(': ');
      byName.set(name, [...(byName.get(name) ?? []), reason]);
    }
    expect(byName.size).toBe(3_000);
    for (const [name, reasons] of byName) {
      const updated = Number(name.slice(1)) % 100 === 0;
      expect(reasons[0], name).toMatch(/^created/);
      // An update merges into a signal not yet sent, or follows the one in flight.
      expect(reasons.length, name).toBeLessThanOrEqual(updated ? 2 : 1);
      expect(reasons.join('; ').includes('updated'), name).toBe(updated);
    }
  });

  it('flushes a change waiting for its window once, however often it was rescheduled', async () => {
    const { sender, sent } = recordingSender();
    const queue = new SignalQueue({ ...queueOptions, debounceMs: 60_000, sender, isLeader: () => true });
    queue.enqueue(App.ref('a', 'ns'), 'added');
    await settle(30);
    queue.enqueue(App.ref('a', 'ns'), 'updated');
    queue.enqueue(App.ref('b', 'ns'), 'added');
    expect(await queue.flush(1_000)).toBe(0);
    await settle(30);
    expect(sent.sort()).toEqual(['a: added', 'a: updated', 'b: added']);
  });
});

describe('DueHeap', () => {
  it('pops keys in the order of their due times, repeated keys and equal times included', () => {
    const heap = new DueHeap();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 613);
    for (const [i, at] of times.entries()) heap.push({ at, key: `k${i % 50}` });
    expect(heap.size).toBe(500);
    const popped: number[] = [];
    for (let next = heap.pop(); next; next = heap.pop()) popped.push(next.at);
    expect(popped).toEqual([...times].sort((a, b) => a - b));
    expect(heap.peek()).toBeUndefined();
  });
});
