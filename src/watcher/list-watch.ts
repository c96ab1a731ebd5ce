import type http from 'node:http';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { statusMessageOf } from '../core/kube-status.js';
import {
  headersOf,
  KubeApiError,
  type KubeEndpoint,
  kubeRequest,
  outgoingRequest,
} from '../runtime/kube-http.js';

/** What a {@link ListWatch} reports. */
export interface ListWatchHandlers {
  /** Every object of each list comes as ADDED; watch events as the server reports them. */
  readonly onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubernetesObject) => void;
  /** A sign of life: a watch (re)connected or the server sent a bookmark. */
  readonly onAlive: () => void;
  /** The list or the watch failed; nothing more is reported until the owner starts a new ListWatch. */
  readonly onError: (error: unknown) => void;
}

/** One collection to list and watch. */
export interface ListWatchTarget {
  /** API path of the collection, e.g. `/api/v1/namespaces/ns/configmaps`. */
  readonly path: string;
  readonly labelSelector?: string | undefined;
  /** The server ends each watch after a random time between half this and this (default 600), and it resumes. */
  readonly maxWatchSeconds?: number | undefined;
}

/** HTTP 410 Gone: the watch's resourceVersion is older than the server keeps. */
const GONE = 410;
/** A list of tens of thousands of objects on a busy server takes seconds; give it more than a plain call. */
const LIST_TIMEOUT_MS = 120_000;

/**
 * List, then watch from the list's resourceVersion, over `kubeRequest`'s connections — the informer of the watcher,
 * without client-node. Watches ask for bookmarks (so a quiet collection keeps a fresh resourceVersion and shows
 * signs of life) and end after a random time (5–10 minutes by default, as client-go's), then resume from the last
 * resourceVersion.
 *
 * Guarantees: objects of a list carry `apiVersion` and `kind` (the API server leaves them out of list items);
 * `managedFields` entries come without their field sets (see {@link withoutFieldSets}). A
 * resourceVersion too old to resume from (410 Gone) lists again: every listed object is reported ADDED, objects
 * gone meanwhile DELETED. After {@link ListWatch.stop} nothing is reported.
 * Caveats: lists are not paged (as client-node's informer); any other failure is reported once through `onError`
 * and ends this ListWatch: the owner (`SupervisedInformer`) starts a new one with backoff.
 */
export class ListWatch {
  readonly #cache = new Map<string, KubernetesObject>();
  #resourceVersion = '';
  #request: http.ClientRequest | undefined;
  #stopped = false;

  constructor(
    private readonly kube: KubeEndpoint,
    private readonly target: ListWatchTarget,
    private readonly handlers: ListWatchHandlers,
  ) {}

  /** Lists (reporting every object) and starts watching; resolves after the list, or after its failure. */
  async start(): Promise<void> {
    try {
      await this.#list();
      this.#watch();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** The objects known now. */
  list(): KubernetesObject[] {
    return [...this.#cache.values()];
  }

  /** Stops watching; no handler runs afterwards. */
  stop(): void {
    this.#stopped = true;
    this.#request?.destroy();
    this.#request = undefined;
  }

  async #list(): Promise<void> {
    const list = await kubeRequest<KubernetesListObject<KubernetesObject>>(this.kube, {
      method: 'GET',
      path: this.target.path,
      query: { labelSelector: this.target.labelSelector },
      timeoutMs: LIST_TIMEOUT_MS,
    });
    if (this.#stopped) return;
    const kind = list.kind?.replace(/List$/, '');
    const listed = new Set<string>();
    for (const item of list.items) {
      const object: KubernetesObject = { ...withoutFieldSets(item) };
      if (!object.apiVersion && list.apiVersion) object.apiVersion = list.apiVersion;
      if (!object.kind && kind) object.kind = kind;
      listed.add(keyOf(object));
      this.#cache.set(keyOf(object), object);
      this.handlers.onEvent('ADDED', object);
    }
    for (const [key, object] of [...this.#cache])
      if (!listed.has(key)) {
        this.#cache.delete(key);
        this.handlers.onEvent('DELETED', object);
      }
    this.#resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  #watch(): void {
    if (this.#stopped) return;
    const timeoutSeconds = watchSeconds(this.target.maxWatchSeconds ?? 600);
    const query = {
      watch: '1',
      allowWatchBookmarks: 'true',
      resourceVersion: this.#resourceVersion,
      timeoutSeconds: String(timeoutSeconds),
      labelSelector: this.target.labelSelector,
    };
    void outgoingRequest(this.kube, { method: 'GET', path: this.target.path, query })
      .then((outgoing) => {
        if (this.#stopped) return;
        const request = outgoing.send(outgoing.url, outgoing.options, (response) => {
          const soonest = Date.now() + (timeoutSeconds * 1000) / 2;
          // A connection that breaks mid-watch errs on the response; a replaced watch's errors are its own.
          response.on('error', (error) => this.#failIfCurrent(request, error));
          this.#receive(response, soonest);
        });
        request.on('error', (error) => this.#failIfCurrent(request, error));
        this.#request = request;
        request.end();
      })
      .catch((error: unknown) => this.#fail(error));
  }

  /** @param soonest before this, a watch the server ends without an event ended at once (not by its timeout). */
  #receive(response: http.IncomingMessage, soonest: number): void {
    const code = response.statusCode ?? 0;
    if (code !== 200) {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        if (code === GONE) this.#relist();
        else
          this.#fail(new KubeApiError(code, body, headersOf(response), 'GET', `${this.target.path} (watch)`));
      });
      return;
    }
    this.handlers.onAlive();
    let pending = '';
    let lines = 0;
    let ended = false;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0 && !ended && !this.#stopped) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() !== '') {
          lines += 1;
          ended = this.#handleLine(line);
        }
        newline = pending.indexOf('\n');
      }
      if (ended) response.destroy();
    });
    response.on('end', () => {
      if (ended || this.#stopped) return;
      // The server ended the watch (its timeout): resume from the last resourceVersion seen — unless it ended at
      // once, which would make resuming a busy loop.
      if (lines === 0 && Date.now() < soonest)
        this.#fail(new Error(`watch of ${this.target.path} ended as soon as it began`));
      else this.#watch();
    });
  }

  /** Handles one watch event; true when this watch is over (a relist or a failure took over). */
  #handleLine(line: string): boolean {
    let event: { type?: string; object?: KubernetesObject & { code?: number } };
    try {
      event = JSON.parse(line);
    } catch (error) {
      this.#fail(
        new Error(`watch of ${this.target.path}: a line that is not JSON (${(error as Error).message})`),
      );
      return true;
    }
    if (!event.object) return false;
    const object = withoutFieldSets(event.object);
    if (event.type === 'ERROR') {
      if (object.code === GONE) this.#relist();
      else this.#fail(new Error(`watch of ${this.target.path} failed: ${statusMessageOf(object)}`));
      return true;
    }
    const version = object.metadata?.resourceVersion;
    if (version) this.#resourceVersion = version;
    if (event.type === 'BOOKMARK') this.handlers.onAlive();
    else if (event.type === 'DELETED') {
      this.#cache.delete(keyOf(object));
      this.handlers.onEvent('DELETED', object);
    } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      this.#cache.set(keyOf(object), object);
      this.handlers.onEvent(event.type, object);
    }
    return false;
  }

  #relist(): void {
    this.#request?.destroy();
    this.#request = undefined;
    void this.start();
  }

  #failIfCurrent(request: http.ClientRequest, error: unknown): void {
    if (this.#request === request) this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#stopped) return;
    this.stop();
    this.handlers.onError(error);
  }
}

/**
 * `object` without the field sets of its `managedFields` entries (`fieldsV1`); manager, operation and time stay.
 *
 * Why: the watcher keeps every object it watches, and the field sets — which fields each manager owns — are often
 * the largest part of an object's metadata (the engine's status apply alone lists every condition's fields), while
 * nothing here reads them: `lastWrittenBy` needs each manager and its time. client-go's informers offer the same
 * trim (`TransformStripManagedFields`, which drops the entries whole).
 */
export function withoutFieldSets<T extends KubernetesObject>(object: T): T {
  const entries = object.metadata?.managedFields;
  if (!entries?.some((entry) => entry.fieldsV1 !== undefined)) return object;
  const managedFields = entries.map(({ fieldsV1: _fields, ...entry }) => entry);
  return { ...object, metadata: { ...object.metadata, managedFields } };
}

function watchSeconds(max: number): number {
  const half = Math.max(1, Math.floor(max / 2));
  return half + Math.floor(Math.random() * (Math.max(1, Math.floor(max)) - half + 1));
}

/** An object's cache key: `namespace/name`. */
export function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
