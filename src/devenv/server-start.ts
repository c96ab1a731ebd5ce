import { ServerStartError } from './errors.js';
import type { ManagedProcess } from './managed-process.js';
import { waitFor } from './wait.js';

/**
 * Waits until `probe` reports the server ready. If it does not become ready in time, or exits meanwhile, the
 * process is stopped and the error carries the tail of its log.
 *
 * @throws {ServerStartError}
 */
export async function awaitReady<T>(
  server: ManagedProcess,
  probe: () => Promise<T | undefined>,
  options: { readonly what: string; readonly timeoutMs: number },
): Promise<T> {
  try {
    return await waitFor(probe, { ...options, intervalMs: 200, abortIf: () => server.exitError() });
  } catch (error) {
    await server.stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServerStartError(server.name, reason, server.logFile, await server.logTail(), { cause: error });
  }
}
