import type { LogLevel } from '@temporalio/common';
import { DefaultLogger, type LogEntry, type Logger } from '@temporalio/worker';
import type { WatcherLogger } from '../watcher/logger.js';
import { UsageError } from './errors.js';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * The `--log-level` of `staircase dev` (case-insensitive; default `warn`).
 *
 * @throws {UsageError} for an unknown level.
 */
export function parseLogLevel(text: string | undefined): LogLevel {
  const level = (text ?? 'warn').toUpperCase() as LogLevel;
  if (!LEVELS.includes(level))
    throw new UsageError(`--log-level "${text}" is not one of ${LEVELS.join(', ').toLowerCase()}`);
  return level;
}

const showsStacks = (level: LogLevel) => LEVELS.indexOf(level) <= LEVELS.indexOf('DEBUG');

/** The first line of a text, at most `max` characters: an error's headline without bodies or stack. */
export function headline(text: string, max = 200): string {
  const first = text.split('\n')[0] ?? '';
  // client-node's ApiException message carries the whole response after "Body:"; the status line is enough.
  const cut = first.replace(/\s*(Body|Headers):.*$/, '');
  return cut.length > max ? `${cut.slice(0, max - 1)}…` : cut;
}

/**
 * One line for a worker log entry: `[worker] WARN Activity failed: applyStep of <workflow id> (attempt 3): <reason>`.
 * With `stacks`, the error's stack follows on indented lines.
 */
export function workerLogLine(entry: Pick<LogEntry, 'level' | 'message' | 'meta'>, stacks: boolean): string {
  const meta = entry.meta ?? {};
  const activity = typeof meta.activityType === 'string' ? meta.activityType : undefined;
  const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
  const where = [
    activity,
    workflowId ? `of ${workflowId}` : undefined,
    typeof meta.attempt === 'number' && meta.attempt > 1 ? `(attempt ${meta.attempt})` : undefined,
  ].filter(Boolean);
  const error = meta.error;
  const reason = error instanceof Error ? headline(error.message) : error ? headline(String(error)) : '';
  const line = `[worker] ${entry.level} ${entry.message}${where.length ? `: ${where.join(' ')}` : ''}${reason ? `: ${reason}` : ''}`;
  const stack = stacks && error instanceof Error && error.stack ? `\n${indent(error.stack)}` : '';
  return `${line}${stack}\n`;
}

/** The Temporal Runtime logger of `staircase dev`: one line per entry, stack traces only at debug level. */
export function devWorkerLogger(level: LogLevel, write: (text: string) => void): Logger {
  return new DefaultLogger(level, (entry) => write(workerLogLine(entry, showsStacks(level))));
}

/**
 * The watcher's logger in `staircase dev`: one short line per warning or error (no response bodies), information
 * only at `info` level or below.
 */
export function devWatcherLogger(level: LogLevel, write: (text: string) => void): WatcherLogger {
  const line = (severity: string) => (message: string, fields?: Record<string, unknown>) => {
    const details = Object.entries(fields ?? {})
      .map(([key, value]) => `${key}: ${headline(String(value))}`)
      .join(', ');
    write(`[watcher] ${severity} ${message}${details ? ` (${details})` : ''}\n`);
  };
  const quiet = () => {};
  return {
    info: LEVELS.indexOf(level) <= LEVELS.indexOf('INFO') ? line('INFO') : quiet,
    warn: line('WARN'),
    error: line('ERROR'),
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
