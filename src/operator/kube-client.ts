import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { PermanentError } from './errors.js';

/** Names one Kubernetes object of any kind. `namespace` defaults to the resource's for namespaced kinds. */
export interface ObjectRef {
  /** `v1`, `apps/v1`, `example.com/v1alpha1`, … */
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** The reference of an object as written (its namespace, if any, as given). */
export function objectRefOf(object: KubernetesObject): ObjectRef {
  const { name = '', namespace } = object.metadata ?? {};
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    name,
    ...(namespace ? { namespace } : {}),
  };
}

/** Options of {@link KubeClient.apply}. */
export interface ApplyOptions {
  /**
   * Set the resource as the object's controlling owner (default true), so it is garbage-collected with the
   * resource and its changes signal the resource's loop (when its kind is in the operator's `owns`).
   */
  readonly owned?: boolean;
  /** Ask the API server what the object would become, without writing it. */
  readonly dryRun?: boolean;
}

/**
 * The typed Kubernetes client of a step: the resource's own API and any other kind, with the worker's identity.
 *
 * Guarantees: writes use server-side apply with the operator's field manager, so a step states the fields it
 * owns and never clobbers fields others own; objects are named relative to the resource (namespaced objects
 * default to its namespace). Errors are classified once: {@link KubeForbiddenError} and {@link KubeInvalidError}
 * are permanent (no retry; the run fails naming the problem), {@link KubeConflictError} and
 * {@link KubeUnavailableError} are transient (retried by the step's policy). Once the step's `signal` has fired, no
 * further request is sent and one in flight is cut off: both throw {@link KubeAbortedError}.
 * Objects come and go as client-node's object API has them: built-in kinds as its typed models (timestamps as
 * `Date`s), every object's `metadata` as `V1ObjectMeta`.
 * Caveats: reads go to the API server (no cache): every call is a request — except, within an apply and the
 * confirming reads that follow it, a read of an object this client wrote there, which takes the write's answer (the
 * object as the write left it). A write cut off by the signal may still have landed. A request without an answer
 * after 30 s is given up ({@link KubeUnavailableError}).
 */
export interface KubeClient<Status = Record<string, unknown>> {
  /** The object, or `undefined` when it does not exist (never a 404 to catch). */
  get<T extends KubernetesObject = KubernetesObject>(ref: ObjectRef): Promise<T | undefined>;
  /** Objects of a kind, in `namespace` (default: the resource's, for namespaced kinds; all for cluster-scoped). */
  list<T extends KubernetesObject = KubernetesObject>(
    apiVersion: string,
    kind: string,
    options?: { readonly namespace?: string; readonly labelSelector?: string },
  ): Promise<T[]>;
  /** Server-side applies `object` (forced: this operator owns the fields it states) and returns the result. */
  apply<T extends KubernetesObject>(object: T, options?: ApplyOptions): Promise<T>;
  /** Deletes the object; true when it was there, false when it was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /**
   * Merges `status` into the resource's own status (a merge patch of operator fields, guarded by the resource's
   * uid). Engine fields (`phase`, `conditions`, `observedGeneration`, `currentStep`) are refused.
   */
  patchStatus(status: Readonly<Partial<Status>>): Promise<void>;
  /**
   * client-node's client configuration with the worker's identity, for anything else.
   * Caveats: the engine's own client does not load client-node; a worker whose operator module does not import it
   * loads it the first time a step reads `config` (≈1 s, once per process).
   */
  readonly config: KubeConfig;
}

/** What the API server said about one request, carried by the error classes below. */
export interface KubeFailure {
  readonly verb: string;
  readonly target: string;
  readonly code: number;
  readonly message: string;
}

const describe = (f: KubeFailure) => `${f.verb} ${f.target}: ${f.message} (HTTP ${f.code})`;

/** The worker's identity may not do this (HTTP 403, or 401: not authenticated): permanent until RBAC changes; the message names the permission. */
export class KubeForbiddenError extends PermanentError {
  override readonly name = 'KubeForbiddenError';
  constructor(readonly failure: KubeFailure) {
    super(describe(failure), 'Forbidden');
  }
}

/** The API server refused the request as invalid (HTTP 400, 405, 406, 413, 415, 422): permanent until the desired object changes. */
export class KubeInvalidError extends PermanentError {
  override readonly name = 'KubeInvalidError';
  constructor(readonly failure: KubeFailure) {
    super(describe(failure), 'Invalid');
  }
}

/** Someone else changed the object in between (HTTP 409): transient, retried. */
export class KubeConflictError extends Error {
  override readonly name = 'KubeConflictError';
  constructor(readonly failure: KubeFailure) {
    super(describe(failure));
  }
}

/**
 * Something the request needs does not exist (HTTP 404 outside `get` and `delete`: say, the namespace of an
 * object to apply, or the API group version of its kind — a CRD not installed yet): transient, retried — it may yet
 * be created.
 */
export class KubeNotFoundError extends Error {
  override readonly name = 'KubeNotFoundError';
  constructor(readonly failure: KubeFailure) {
    super(describe(failure));
  }
}

/**
 * The step's `signal` fired (its attempt timed out or was cancelled), so the request was not sent, or was cut off
 * without an answer: transient. The engine has already given the attempt up; a later attempt or run does the work.
 */
export class KubeAbortedError extends Error {
  override readonly name = 'KubeAbortedError';
  constructor(
    readonly failure: KubeFailure,
    options?: ErrorOptions,
  ) {
    super(describe(failure), options);
  }
}

/** The API server could not answer now (429, 5xx, a network error): transient, retried. */
export class KubeUnavailableError extends Error {
  override readonly name = 'KubeUnavailableError';
  constructor(
    readonly failure: KubeFailure,
    options?: ErrorOptions,
  ) {
    super(describe(failure), options);
  }
}
