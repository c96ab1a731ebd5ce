/**
 * Carries out the plan's faults: SIGKILL a worker, a watcher, Temporal or kube-apiserver, and start it again after
 * its downtime. Faults on the same target run one after the other (a restart finishes before the next kill).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Replica } from './processes.js';
import type { ChaosEvent, FaultTarget } from './schedule.js';
import type { ChaosServers } from './servers.js';

type Kill = Extract<ChaosEvent, { kind: 'kill' }>;

/** A killed server or process could not be started again. */
export class RestartFailedError extends Error {
  override readonly name = 'RestartFailedError';
  constructor(
    readonly target: string,
    readonly attempts: number,
    options: ErrorOptions,
  ) {
    super(`${target} did not start again after ${attempts} attempts`, options);
  }
}

const RESTART_ATTEMPTS = 3;

/** Runs kills and restarts, and counts them. */
export class FaultInjector {
  readonly #chains = new Map<string, Promise<void>>();
  readonly counts: Record<FaultTarget, number> = { worker: 0, watcher: 0, temporal: 0, apiserver: 0 };
  /** Restarts that failed for good (the run cannot be judged fairly after one). */
  readonly failures: RestartFailedError[] = [];

  constructor(
    private readonly servers: ChaosServers,
    private readonly replicas: Readonly<Record<'worker' | 'watcher', readonly Replica[]>>,
    private readonly log: (line: string) => void,
  ) {}

  /** Queues the kill behind earlier faults on the same target. */
  inject(event: Kill): void {
    const key = `${event.target}-${event.replica}`;
    const next = (this.#chains.get(key) ?? Promise.resolve()).then(() => this.#killAndRestart(event, key));
    this.#chains.set(key, next);
  }

  /** Resolves once every kill has been followed by its restart. */
  async drain(): Promise<void> {
    await Promise.all(this.#chains.values());
  }

  async #killAndRestart(event: Kill, key: string): Promise<void> {
    const { kill, restart } = this.#actions(event);
    await kill();
    this.counts[event.target] += 1;
    this.log(`killed ${key}; back in ${event.downMs} ms`);
    await sleep(event.downMs);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await restart();
      } catch (error) {
        this.log(`${key} did not start again (attempt ${attempt}): ${(error as Error).message}`);
        if (attempt >= RESTART_ATTEMPTS) {
          this.failures.push(new RestartFailedError(key, attempt, { cause: error }));
          return;
        }
        await sleep(1_000);
      }
    }
  }

  #actions(event: Kill): { kill: () => Promise<void>; restart: () => Promise<void> } {
    if (event.target === 'temporal')
      return { kill: () => this.servers.killTemporal(), restart: () => this.servers.restartTemporal() };
    if (event.target === 'apiserver')
      return { kill: () => this.servers.killApiserver(), restart: () => this.servers.restartApiserver() };
    const replica = this.replicas[event.target][event.replica];
    if (!replica)
      throw new RangeError(`the plan kills ${event.target} ${event.replica}, which does not exist`);
    return { kill: () => replica.kill(), restart: () => replica.start() };
  }
}
