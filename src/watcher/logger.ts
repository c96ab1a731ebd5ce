/** Structured log sink of the watcher. */
export interface WatcherLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger writing one JSON object per line to `out` (stdout by default). */
export function jsonLogger(
  component: string,
  out: (line: string) => void = (line) => process.stdout.write(line),
): WatcherLogger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    out(`${JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields })}\n`);
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
