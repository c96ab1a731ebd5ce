/**
 * Errors raised while finding, building or starting the local servers.
 *
 * Each failure site has its own class with readonly context, so callers can tell them apart without matching
 * message strings. None of these is transient: retrying the same call will fail the same way until the
 * machine changes (a binary installed, a port freed).
 */

/** A server binary could be neither found, built nor downloaded. The message says how to provide it. */
export class BinaryNotFoundError extends Error {
  override readonly name = 'BinaryNotFoundError';
  constructor(
    readonly binary: string,
    readonly version: string,
    readonly attempts: readonly string[],
    readonly howToProvide: string,
  ) {
    super(
      `${binary} ${version} is not available. Tried:\n${attempts.map((a) => `  - ${a}`).join('\n')}\n` +
        `How to provide it: ${howToProvide}`,
    );
  }
}

/** Building a server binary from the Go module proxy failed. */
export class GoBuildError extends Error {
  override readonly name = 'GoBuildError';
  constructor(
    readonly component: string,
    readonly moduleDir: string,
    readonly output: string,
    options?: ErrorOptions,
  ) {
    super(`go build of ${component} in ${moduleDir} failed:\n${output.slice(-4000)}`, options);
  }
}

/** Downloading a prebuilt server binary failed. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`download of ${url} failed: ${reason}`, options);
  }
}

/**
 * A server process did not become ready in time, or exited during start-up. The message ends with the tail of
 * its log so the cause is visible without opening files.
 */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
  constructor(
    readonly server: string,
    readonly reason: string,
    readonly logFile: string,
    readonly logTail: string,
    options?: ErrorOptions,
  ) {
    super(`${server} failed to start: ${reason}\nlog: ${logFile}\n--- last lines ---\n${logTail}`, options);
  }
}

/** Waiting for a condition ran out of time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastError: unknown,
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${what}` +
        (lastError === undefined
          ? ''
          : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`),
    );
  }
}

/** No PostgreSQL server programs (`initdb` and `postgres`) were found. The message says how to install them. */
export class PostgresNotFoundError extends Error {
  override readonly name = 'PostgresNotFoundError';
  constructor(readonly searched: readonly string[]) {
    super(
      `PostgreSQL (initdb and postgres) not found in: ${searched.join(', ')}.\n` +
        "How to provide it: install Debian's PostgreSQL (`apt-get install -y postgresql`, as .ci/run does), or set " +
        'STAIRCASE_POSTGRES_BIN to the directory holding initdb and postgres.',
    );
  }
}

/** A setup command of a server (`initdb`, `temporal-sql-tool`, a namespace registration) failed. */
export class ServerSetupError extends Error {
  override readonly name = 'ServerSetupError';
  constructor(
    readonly server: string,
    readonly step: string,
    readonly output: string,
    options?: ErrorOptions,
  ) {
    super(`${server}: ${step} failed:\n${output.slice(-4000)}`, options);
  }
}
