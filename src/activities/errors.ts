import { ApplicationFailure } from '@temporalio/activity';
import { PERMANENT_ERROR_TYPES } from '../core/activity-contract.js';
import { statusMessageOf } from '../core/kube-status.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { InvalidPlanError, PermanentError } from '../operator/errors.js';
import { httpStatusOf } from '../runtime/kube-http.js';

/** Kubernetes API status codes that will not heal by retrying the same request. */
const PERMANENT_STATUS_CODES = new Set([400, 401, 403, 405, 406, 413, 415, 422]);

/**
 * Turns an error thrown by step code into what Temporal should do with it: a non-retryable failure for
 * {@link PermanentError} and for Kubernetes answers that will not heal; the error itself (retried) otherwise.
 */
export function classifyStepError(error: unknown): unknown {
  if (error instanceof PermanentError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.reason ?? PERMANENT_ERROR_TYPES.permanent,
      nonRetryable: true,
      cause: error,
    });
  }
  const code = httpStatusOf(error);
  if (code !== undefined && PERMANENT_STATUS_CODES.has(code)) {
    return ApplicationFailure.create({
      message: `the Kubernetes API rejected a request (HTTP ${code}): ${kubeMessage(error as KubeErrorBody)}`,
      type: PERMANENT_ERROR_TYPES.kubernetes,
      nonRetryable: true,
    });
  }
  return error;
}

/**
 * Turns an error thrown while choosing a run's plan (by the operator's `plan` or `cleanup`) into a failure: not
 * retried for {@link PermanentError} and {@link InvalidPlanError} (a malformed plan stays malformed), retried
 * otherwise.
 */
export function classifyPlanError(error: unknown): ApplicationFailure {
  if (error instanceof InvalidPlanError) {
    return ApplicationFailure.create({
      message: error.message,
      type: 'InvalidPlan',
      nonRetryable: true,
      cause: error,
    });
  }
  const classified = classifyStepError(error);
  if (classified instanceof ApplicationFailure) return classified;
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    message,
    type: 'PlanFailed',
    nonRetryable: false,
    ...(error instanceof Error ? { cause: error } : {}),
  });
}

/** What a Kubernetes API error (client-node's `ApiException` or `KubeApiError`) carries besides its status. */
export interface KubeErrorBody {
  readonly body: unknown;
}

/** The `message` of a Kubernetes API error's Status body, or the raw body. */
export function kubeMessage(error: KubeErrorBody): string {
  return statusMessageOf(error.body);
}

/** True when `error` is a Kubernetes 404. */
export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

/**
 * A guarded finalizer patch lost a race: the object changed between the read and the patch, so a `test` operation
 * failed (HTTP 422, whose body does not say which operation). A conflict, not a rejection: the apply is retried
 * from a fresh read.
 */
export class FinalizerPatchConflict extends Error {
  override readonly name = 'FinalizerPatchConflict';
  constructor(
    readonly ref: ResourceRef,
    cause: unknown,
  ) {
    super(
      `the finalizers of ${ref.kind} ${ref.name} changed while being patched; retrying from a fresh read`,
      {
        cause,
      },
    );
  }
}
