/**
 * What the bench sees from the outside, the same way for every system: when each Greeting became Ready (an informer
 * on Greetings) and how long an edit takes to reach the ConfigMap child (an informer on ConfigMaps).
 */
import { makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import {
  configMapName,
  editMessage,
  GROUP,
  type GreetingClients,
  type GreetingObject,
  isReady,
  PLURAL,
  VERSION,
} from './greetings.js';

/** Watches the Greetings of one namespace and the time each one first became Ready. */
export class ReadyWatch {
  readonly #readyAt = new Map<string, number>();
  readonly #latest = new Map<string, GreetingObject>();
  #waiters: (() => void)[] = [];
  readonly #informer;

  private constructor(clients: GreetingClients, namespace: string) {
    this.#informer = makeInformer<GreetingObject>(
      clients.kube,
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
      () =>
        clients.custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
        }),
    );
    const seen = (object: GreetingObject) => {
      const name = object.metadata?.name ?? '';
      this.#latest.set(name, object);
      if (isReady(object) && !this.#readyAt.has(name)) this.#readyAt.set(name, performance.now());
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.#informer.on('add', seen);
    this.#informer.on('update', seen);
  }

  static async start(clients: GreetingClients, namespace: string): Promise<ReadyWatch> {
    const watch = new ReadyWatch(clients, namespace);
    await watch.#informer.start();
    return watch;
  }

  get readyCount(): number {
    return this.#readyAt.size;
  }

  /** The object as last seen. */
  latest(name: string): GreetingObject | undefined {
    return this.#latest.get(name);
  }

  /** Forgets when `name` was Ready, so the next Ready counts again (after an edit). */
  forget(name: string): void {
    this.#readyAt.delete(name);
  }

  /** Resolves with the time (performance.now) the last of `names` became Ready. */
  async allReady(names: readonly string[], timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const missing = names.filter((n) => !this.#readyAt.has(n));
      if (missing.length === 0) return Math.max(...names.map((n) => this.#readyAt.get(n) ?? 0));
      if (performance.now() > deadline)
        throw new Error(`${missing.length} of ${names.length} Greetings not Ready after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 1000).unref();
      });
    }
  }

  #stopped = false;

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#informer.stop();
  }
}

/** Watches ConfigMaps of one namespace for a given message to appear in a given one. */
export class ChildWatch {
  #expect: { name: string; message: string; resolve: (at: number) => void } | undefined;
  readonly #informer;

  private constructor(clients: GreetingClients, namespace: string) {
    this.#informer = makeInformer<V1ConfigMap>(
      clients.kube,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => clients.core.listNamespacedConfigMap({ namespace }),
    );
    const seen = (object: V1ConfigMap) => {
      const expected = this.#expect;
      if (expected && object.metadata?.name === expected.name && object.data?.message === expected.message) {
        this.#expect = undefined;
        expected.resolve(performance.now());
      }
    };
    this.#informer.on('add', seen);
    this.#informer.on('update', seen);
  }

  static async start(clients: GreetingClients, namespace: string): Promise<ChildWatch> {
    const watch = new ChildWatch(clients, namespace);
    await watch.#informer.start();
    return watch;
  }

  /** Resolves with the time the ConfigMap `name` says `message`. */
  expect(name: string, message: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not say "${message}"`)), timeoutMs);
      this.#expect = {
        name,
        message,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
    });
  }

  async stop(): Promise<void> {
    await this.#informer.stop();
  }
}

/**
 * Edit → child latency on an idle system: edits the message of `samples` Greetings one after the other and times
 * each until its ConfigMap shows the new message; waits for the Greeting to be Ready again before the next edit.
 * Returns the latencies in milliseconds.
 */
export async function editLatencies(
  clients: GreetingClients,
  namespace: string,
  names: readonly string[],
  samples: number,
  ready: ReadyWatch,
): Promise<number[]> {
  const children = await ChildWatch.start(clients, namespace);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const name = names[i % names.length] as string;
      const message = `edited ${i}`;
      ready.forget(name);
      const arrived = children.expect(configMapName(name), message, 30_000);
      const sent = performance.now();
      await editMessage(clients, namespace, name, message);
      latencies.push((await arrived) - sent);
      await ready.allReady([name], 30_000);
    }
  } finally {
    await children.stop();
  }
  return latencies;
}

/** The `p`-th percentile (0-100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}
