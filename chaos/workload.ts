/**
 * The chaos run's Website workload: creates, edits and deletes, each retried until kube-apiserver takes it (it may
 * be down), in order per Website (an edit never overtakes the create before it), Websites independent of each other.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { Website } from '../examples/website/kind.js';
import type { SiteSpec } from './schedule.js';

/** A workload action that cannot succeed by retrying (an edit found its Website gone, a create was refused). */
export class WorkloadActionError extends Error {
  override readonly name = 'WorkloadActionError';
  constructor(
    readonly site: string,
    readonly action: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${action} of Website ${site} answered ${status}: ${detail}`);
  }
}

/** A workload action: a plan event without its time. */
export type SpecEvent =
  | { readonly kind: 'create' | 'edit'; readonly site: string; readonly spec: SiteSpec }
  | { readonly kind: 'delete'; readonly site: string };

const RETRY_MS = 500;

/** Sends the workload's actions to Kubernetes. */
export class Workload {
  readonly #api: CustomObjectsApi;
  readonly #chains = new Map<string, Promise<void>>();
  /** Actions that can never succeed, found along the way (violations). */
  readonly failures: WorkloadActionError[] = [];
  /** Attempts the API server refused or could not answer (down, or the old object still being deleted). */
  retries = 0;

  constructor(
    kube: KubeConfig,
    readonly namespace: string,
  ) {
    this.#api = kube.makeApiClient(CustomObjectsApi);
  }

  /** Queues `event` behind the earlier actions on the same Website; never throws (failures are collected). */
  enqueue(event: SpecEvent): void {
    const before = this.#chains.get(event.site) ?? Promise.resolve();
    const next = before.then(() =>
      this.#untilDone(event).catch((error: unknown) => {
        if (error instanceof WorkloadActionError) this.failures.push(error);
        else throw error;
      }),
    );
    this.#chains.set(event.site, next);
  }

  /** Resolves once every queued action is done. */
  async drain(): Promise<void> {
    await Promise.all(this.#chains.values());
  }

  async #untilDone(event: SpecEvent): Promise<void> {
    for (;;) {
      try {
        return await this.#attempt(event);
      } catch (error) {
        if (!retryable(error, event)) throw permanent(event, error);
        this.retries += 1;
        await sleep(RETRY_MS);
      }
    }
  }

  async #attempt(event: SpecEvent): Promise<void> {
    const target = { group: Website.group, version: Website.version, plural: Website.plural };
    const at = { ...target, namespace: this.namespace, name: event.site };
    if (event.kind === 'create') {
      const body = {
        apiVersion: Website.apiVersion,
        kind: Website.kind,
        metadata: { name: event.site },
        spec: event.spec,
      };
      await this.#api.createNamespacedCustomObject({ ...target, namespace: this.namespace, body });
    } else if (event.kind === 'edit') {
      const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      await this.#api.patchNamespacedCustomObject({ ...at, body: { spec: event.spec } }, options);
    } else {
      await this.#api.deleteNamespacedCustomObject(at).catch((error: unknown) => {
        if (!(error instanceof ApiException && error.code === 404)) throw error;
      });
    }
  }
}

/**
 * Worth another try: no answer (the API server is down or restarting), a 5xx or 429, or a create refused because
 * the deleted Website of the same name is still being cleaned up.
 */
function retryable(error: unknown, event: SpecEvent): boolean {
  if (!(error instanceof ApiException)) return true;
  if (error.code >= 500 || error.code === 429) return true;
  return event.kind === 'create' && error.code === 409;
}

function permanent(event: SpecEvent, error: unknown): WorkloadActionError {
  const code = error instanceof ApiException ? error.code : 0;
  const body = error instanceof ApiException ? String(error.body).slice(0, 300) : String(error);
  return new WorkloadActionError(event.site, event.kind, code, body);
}
