import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Watchdog } from './watchdog.js';

/** Options for {@link startProcess}. */
export interface StartProcessOptions {
  /** Short name used in messages (`etcd`, `kube-apiserver`). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** File receiving the process's stdout and stderr. */
  readonly logFile: string;
  readonly watchdog: Watchdog;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Run as this user and group (when the caller is root and the program refuses to run as root, like postgres). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/** How a process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A server process started in its own process group, with its output in a log file.
 *
 * Guarantees: registered with the watchdog while it runs, so it cannot outlive the Node process that started it.
 */
export class ManagedProcess {
  #exit: ExitInfo | undefined;
  readonly #exited: Promise<ExitInfo>;

  constructor(
    readonly name: string,
    readonly pid: number,
    readonly logFile: string,
    exited: Promise<ExitInfo>,
    private readonly watchdog: Watchdog,
  ) {
    this.#exited = exited.then((info) => {
      this.#exit = info;
      return info;
    });
  }

  /** How the process ended, or `undefined` while it runs. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** An error describing an unexpected exit, or `undefined` while the process runs (for readiness waits). */
  exitError(): Error | undefined {
    const info = this.#exit;
    return info ? new Error(`${this.name} exited (code ${info.code}, signal ${info.signal})`) : undefined;
  }

  /** The last `lines` lines of the log. */
  async logTail(lines = 40): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }

  /**
   * Stops the process group: SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited.
   * Calling it again, or on a process that already exited, is harmless.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.#exit) {
      signalGroup(this.pid, 'SIGTERM');
      const ended = await Promise.race([this.#exited, sleep(graceMs).then(() => undefined)]);
      if (!ended) {
        signalGroup(this.pid, 'SIGKILL');
        await this.#exited;
      }
    }
    this.watchdog.release(this.pid);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Starts `command` detached in a new process group with its output appended to `logFile`.
 *
 * @throws {Error} when the command cannot be spawned at all (missing file, not executable).
 */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, [...options.args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    // Spawn failures are also emitted as 'error' events; without a listener they would crash the process.
    child.on('error', () => {});
    const pid = child.pid;
    if (pid === undefined)
      throw new Error(`could not start ${options.name}: ${options.command} is not executable`);
    options.watchdog.watch(pid);
    // Do not let running servers keep the Node event loop alive on their own.
    child.unref();
    const exited = new Promise<ExitInfo>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return new ManagedProcess(options.name, pid, options.logFile, exited, options.watchdog);
  } finally {
    closeSync(fd);
  }
}
