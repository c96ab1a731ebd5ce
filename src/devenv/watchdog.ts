import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

/*
 * The watchdog is a tiny detached Node process that holds the process-group ids of the servers we started.
 * It reads "add PID" / "del PID" lines on stdin. When stdin closes — our process exited for any reason,
 * SIGKILL and crashes included — it terminates every group still registered. It ignores SIGINT so that a
 * Ctrl-C in the terminal cannot kill it before it has done its job.
 */
const WATCHDOG_SOURCE = `
const groups = new Set();
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
let pending = '';
const kill = (signal) => { for (const g of groups) { try { process.kill(-g, signal); } catch {} } };
const reap = () => { kill('SIGTERM'); setTimeout(() => { kill('SIGKILL'); process.exit(0); }, 3000); };
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let i;
  while ((i = pending.indexOf('\\n')) >= 0) {
    const [op, id] = pending.slice(0, i).split(' ');
    pending = pending.slice(i + 1);
    if (op === 'add') groups.add(Number(id)); else if (op === 'del') groups.delete(Number(id));
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

/**
 * Kills registered process groups when this Node process goes away, however it goes.
 *
 * Guarantees: a group registered with {@link Watchdog.watch} and not released receives SIGTERM, then SIGKILL three
 * seconds later, after this process exits, crashes, or is killed with SIGKILL.
 * Caveats: a process that leaves its group (calls setsid itself) escapes; none of the servers we run does.
 */
export class Watchdog {
  readonly #child: ChildProcess;
  readonly #stdin: Writable;

  private constructor(child: ChildProcess, stdin: Writable) {
    this.#child = child;
    this.#stdin = stdin;
  }

  /** Starts a watchdog process; it does not keep this process alive. */
  static start(): Watchdog {
    const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const stdin = child.stdin;
    if (!stdin) throw new Error('watchdog started without stdin');
    child.unref();
    (stdin as unknown as { unref?: () => void }).unref?.();
    // A write to a watchdog that died must not crash the caller.
    stdin.on('error', () => {});
    return new Watchdog(child, stdin);
  }

  /** Registers a process group (the pid of a detached child). */
  watch(groupId: number): void {
    this.#stdin.write(`add ${groupId}\n`);
  }

  /** Unregisters a process group that was stopped normally. */
  release(groupId: number): void {
    this.#stdin.write(`del ${groupId}\n`);
  }

  /** Ends the watchdog after every group was stopped. */
  close(): void {
    this.#stdin.end();
    this.#child.unref();
  }
}
