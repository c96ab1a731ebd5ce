/**
 * Errors of the operator-authoring API. {@link PermanentError} is the one step authors throw; the others report
 * mistakes in an operator definition, found when it is defined.
 */

/**
 * Thrown by a step's `check` or `apply` when retrying cannot help (an invalid value, a 4xx that will not heal).
 * The engine does not retry it: the run ends *failed*, the resource's `Stalled` condition carries the message,
 * and the next run happens on the next change (or after a long backoff).
 *
 * Any other error is treated as transient and retried by Temporal with the step's retry policy.
 */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  constructor(
    message: string,
    /** A short CamelCase word for the condition's `reason`; `PermanentError` when absent. */
    readonly reason?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A zod schema uses a construct a CustomResourceDefinition's structural schema cannot express. */
export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
  constructor(
    readonly path: string,
    readonly construct: string,
  ) {
    super(
      `the schema at ${path || '<root>'} uses ${construct}, which a CRD's structural schema cannot express`,
    );
  }
}

/** A plan is malformed: duplicate step names, a reserved name, or a parallel group containing a step with apply. */
export class InvalidPlanError extends Error {
  override readonly name = 'InvalidPlanError';
  constructor(
    readonly step: string,
    readonly problem: string,
  ) {
    super(`invalid plan at step "${step}": ${problem}`);
  }
}
