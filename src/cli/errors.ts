/** A mistake in how a command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** No running control loop on the Temporal namespace matches the resource a loop-control command names. */
export class LoopNotFoundError extends Error {
  override readonly name = 'LoopNotFoundError';
  constructor(
    /** The resource as the user named it, e.g. `Website default/blog`. */
    readonly resource: string,
    readonly temporalNamespace: string,
    /** Loops with the same name but another kind, to hint at a typo. */
    readonly sameName: readonly string[] = [],
  ) {
    const hint = sameName.length ? `; with that name there is: ${sameName.join(', ')}` : '';
    super(
      `no ${resource} is reconciled on the Temporal namespace "${temporalNamespace}" ` +
        `(no running loop: check the kind and name, and that its operator's watcher runs)${hint}`,
    );
  }
}

/** A loop-control command's resource matches several running loops. */
export class AmbiguousResourceError extends Error {
  override readonly name = 'AmbiguousResourceError';
  constructor(
    readonly resource: string,
    /** Workflow IDs of the matching loops. */
    readonly matches: readonly string[],
  ) {
    super(
      `${resource} matches ${matches.length} resources (${matches.join(', ')}); give KIND NAMESPACE/NAME`,
    );
  }
}

/** The workflow refused a request (an update's validator, e.g. "reconcile" on a paused resource). */
export class RequestRejectedError extends Error {
  override readonly name = 'RequestRejectedError';
  constructor(
    readonly action: string,
    readonly resource: string,
    /** The server's or workflow's reason, from the error's cause chain. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${action} ${resource} was rejected: ${reason}`, options);
  }
}

/**
 * The most specific message in an error's `cause` chain: SDK errors wrap the reason a workflow gave
 * (`WorkflowUpdateFailedError: Workflow Update failed` → `ApplicationFailure: the resource is paused`).
 */
export function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}
