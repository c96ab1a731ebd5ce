/** A test waited for a resource's loop to reach a state, and it did not in time. */
export class ResourceWaitTimeoutError extends Error {
  override readonly name = 'ResourceWaitTimeoutError';
  constructor(
    /** What was awaited, e.g. "Website t-1/blog to be Ready". */
    readonly what: string,
    readonly timeoutMs: number,
    /** Where the loop stood at the deadline, in words. */
    readonly lastSeen: string,
  ) {
    super(`${what}: not reached after ${(timeoutMs / 1000).toFixed(1)} s; last seen: ${lastSeen}`);
  }
}

/** A resource's Temporal history breaks one of the engine's guarantees (see `assertEngineGuarantees`). */
export class EngineGuaranteeError extends Error {
  override readonly name = 'EngineGuaranteeError';
  constructor(
    readonly workflowId: string,
    readonly violation: string,
  ) {
    super(`${workflowId}: ${violation}`);
  }
}

/** One or more recorded histories no longer replay against the current workflow code. */
export class ReplayFailedError extends Error {
  override readonly name = 'ReplayFailedError';
  constructor(readonly failures: readonly { readonly history: string; readonly message: string }[]) {
    super(
      `${failures.length} histor${failures.length === 1 ? 'y does' : 'ies do'} not replay:\n` +
        failures.map((f) => `  ${f.history}: ${f.message}`).join('\n'),
    );
  }
}

/** A history could not be recorded: its current execution has not completed a workflow task to replay. */
export class HistoryNotReplayableError extends Error {
  override readonly name = 'HistoryNotReplayableError';
  constructor(
    readonly workflowId: string,
    readonly waitedMs: number,
  ) {
    super(
      `${workflowId}: its current execution completed no workflow task within ${waitedMs} ms (it has just started or continued as new): nothing to replay yet`,
    );
  }
}

/** The test servers could not be found or started; the message says how to get them. */
export class TestServersUnavailableError extends Error {
  override readonly name = 'TestServersUnavailableError';
}
