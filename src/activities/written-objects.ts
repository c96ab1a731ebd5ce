import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef } from '../operator/kube-client.js';
import type { RawResource } from './kube-objects.js';

/**
 * The objects one apply wrote, as the API server answered each write, so that the confirming reads the same
 * activity makes next take them instead of reading them again: the child a step applied, the resource whose status
 * it patched. Per activity call, never shared.
 *
 * Why that is as fresh as a read: a write's answer is the object as the write left it; a change by anyone after it
 * reaches the loop as a change signal after the apply began, and such a signal always calls for another run.
 * Caveats: only writes through the step's client (`ctx.kube`) are seen; a step that writes the same object again
 * through `ctx.kube.config` afterwards would leave its confirming reads an older answer (its next run reads afresh).
 */
export class WrittenObjects {
  readonly #objects = new Map<string, KubernetesObject>();
  #resource: RawResource | undefined;

  /** The answer of the last write of `ref`, if this apply wrote it. */
  get(ref: ObjectRef): KubernetesObject | undefined {
    return this.#objects.get(keyOf(ref));
  }

  /** Remembers `answer` as `ref` now is; an answer without a resourceVersion (a deletion's) forgets it. */
  remember(ref: ObjectRef, answer: KubernetesObject): void {
    if (answer.metadata?.resourceVersion) this.#objects.set(keyOf(ref), answer);
    else this.forget(ref);
  }

  /** Forgets `ref` (deleted): a read asks the API server again. */
  forget(ref: ObjectRef): void {
    this.#objects.delete(keyOf(ref));
  }

  /** The resource as this apply's last status patch left it, if it patched its status. */
  get resource(): RawResource | undefined {
    return this.#resource;
  }

  /** Remembers the resource as a status patch answered it. */
  rememberResource(answer: RawResource): void {
    this.#resource = answer;
  }

  /** The resource was written otherwise (applied, deleted): a read of it asks the API server again. */
  forgetResource(): void {
    this.#resource = undefined;
  }
}

/** True when `a` and `b` name the same object. */
export function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  return keyOf(a) === keyOf(b);
}

function keyOf(ref: ObjectRef): string {
  return `${ref.apiVersion}\n${ref.kind}\n${ref.namespace ?? ''}\n${ref.name}`;
}
