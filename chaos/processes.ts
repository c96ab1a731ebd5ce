/**
 * The `staircase worker` and `staircase watcher` processes of a chaos run, started from the CLI as production
 * starts them (from the sources, with the workflow bundle made once as the container image does), each in its own
 * process group with its output in a log file, so a fault can SIGKILL it and start a replacement.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, startProcess, type Watchdog } from '../src/devenv/index.js';
import { freePort } from '../src/devenv/ports.js';

const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const OPERATOR = fileURLToPath(new URL('../examples/website/operator.ts', import.meta.url));
const READY_TIMEOUT_MS = 180_000;

/** What every process is started with. */
export interface ProcessContext {
  readonly watchdog: Watchdog;
  readonly logDir: string;
  readonly temporalAddress: string;
  readonly kubeconfigPath: string;
  readonly dnsUrl: string;
  readonly workflowBundle: string;
  /** Namespace the watchers watch and hold their Lease in. */
  readonly namespace: string;
  readonly log: (line: string) => void;
}

/** A process did not answer /readyz in time after it was started. */
export class ProcessNotReadyError extends Error {
  override readonly name = 'ProcessNotReadyError';
  constructor(
    readonly processName: string,
    readonly logFile: string,
    readonly detail: string,
  ) {
    super(`${processName} was not ready after ${READY_TIMEOUT_MS / 1000} s (${detail}); see ${logFile}`);
  }
}

/** One replica: whatever process currently plays it. */
export class Replica {
  #process: ManagedProcess | undefined;
  #generation = 0;
  #monitor: NodeJS.Timeout | undefined;
  /** Exits nobody asked for (not a fault of the run's): the process was started again. */
  unplannedExits = 0;

  constructor(
    readonly name: string,
    private readonly kind: 'worker' | 'watcher',
    private readonly context: ProcessContext,
  ) {}

  /** Starts the replica's process and resolves once its /readyz answers 200. */
  async start(): Promise<void> {
    this.#generation += 1;
    const port = await freePort();
    const started = startProcess({
      name: this.name,
      command: process.execPath,
      args: ['--conditions=staircase-source', '--import', 'tsx', CLI, this.kind, ...this.args(port)],
      env: {
        ...process.env,
        WEBSITE_DNS_URL: this.context.dnsUrl,
        STAIRCASE_WORKFLOW_BUNDLE: this.context.workflowBundle,
      },
      logFile: join(this.context.logDir, `${this.name}.log`),
      watchdog: this.context.watchdog,
    });
    this.#process = started;
    this.#monitor ??= setInterval(() => this.#checkExit(), 1_000).unref();
    await this.#awaitReady(started, port);
  }

  /** SIGKILLs the current process group, if one runs, and waits until it is gone. */
  async kill(): Promise<void> {
    const current = this.#process;
    this.#process = undefined;
    this.#generation += 1;
    if (!current) return;
    try {
      process.kill(-current.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await current.stop(0);
  }

  /** Stops the replica for good (SIGTERM, then SIGKILL), and stops watching for unplanned exits. */
  async stop(): Promise<void> {
    clearInterval(this.#monitor);
    this.#generation += 1;
    await this.#process?.stop();
    this.#process = undefined;
  }

  private args(port: number): string[] {
    const common = ['--operator', OPERATOR, '--kubeconfig', this.context.kubeconfigPath];
    common.push('--temporal-address', this.context.temporalAddress, '--health-port', String(port));
    if (this.kind === 'worker') return common;
    const { namespace } = this.context;
    return [
      ...common,
      '--namespaces',
      namespace,
      '--identity',
      this.name,
      '--lease-namespace',
      namespace,
    ].concat(['--lease-duration-ms', '3000', '--lease-retry-ms', '300']);
  }

  async #awaitReady(started: ManagedProcess, port: number): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let detail = 'no answer yet';
    while (Date.now() < deadline) {
      if (started.exitInfo) return; // killed by a fault, or exited: #checkExit deals with it
      try {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (response.status === 200) return;
        detail = `/readyz answered ${response.status}`;
      } catch (error) {
        detail = `/readyz: ${(error as Error).message}`;
      }
      await sleep(300);
    }
    throw new ProcessNotReadyError(this.name, started.logFile, detail);
  }

  /** A process that exited although the run did not kill it is counted and started again after a second. */
  #checkExit(): void {
    const info = this.#process?.exitInfo;
    if (!info) return;
    this.#generation += 1;
    const generation = this.#generation;
    this.unplannedExits += 1;
    this.context.log(
      `${this.name} exited on its own (code ${info.code}, signal ${info.signal}); starting it again`,
    );
    this.#process = undefined;
    void sleep(1_000)
      .then(() => (generation === this.#generation && !this.#process ? this.start() : undefined))
      .catch((error: unknown) => this.context.log(`${this.name} did not come back: ${String(error)}`));
  }
}

/** Starts `count` replicas of `kind` side by side, named `kind-0`, `kind-1`, … */
export async function startReplicas(
  kind: 'worker' | 'watcher',
  count: number,
  context: ProcessContext,
): Promise<Replica[]> {
  const replicas = Array.from({ length: count }, (_, i) => new Replica(`${kind}-${i}`, kind, context));
  await Promise.all(replicas.map((r) => r.start()));
  return replicas;
}
