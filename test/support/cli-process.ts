import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, onTestFailed, onTestFinished, vi } from 'vitest';
import { metricValue } from './watcher.js';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEPT_LINES = 60;

/** A `staircase worker` or `staircase watcher` process. */
export interface CliProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Its health port (the watcher's also serves /metrics). */
  readonly port: number;
}

/**
 * Spawns `staircase COMMAND ARGS` with `env` on top of the test's environment. Killed when the test finishes; the
 * last lines of its output are printed only when the test fails (a SIGKILLed peer makes the others log noise).
 */
function spawnCli(
  command: 'worker' | 'watcher',
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const kept: string[] = [];
  const keep = (line: string) => {
    kept.push(line);
    if (kept.length > KEPT_LINES) kept.shift();
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', keep);
  const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  stdout.on('line', keep);
  onTestFailed(() => console.log(`--- last lines of ${name} ---\n${kept.join('\n')}`));
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  return { child, stdout };
}

/** Starts `staircase worker` with `--health-port PORT`; resolves once its /readyz answers 200 (its workers poll). */
export async function startCliWorker(
  name: string,
  env: NodeJS.ProcessEnv,
  port: number,
): Promise<CliProcess> {
  const { child } = spawnCli('worker', name, ['--health-port', String(port)], env);
  await vi.waitFor(
    async () => {
      expect(child.exitCode, `${name} exited`).toBeNull();
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    },
    { timeout: 90_000, interval: 300 },
  );
  return { name, child, port };
}

/** Starts `staircase watcher ARGS` (with `--health-port 0`); resolves once it says on which port it serves. */
export function startCliWatcher(
  name: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[],
): Promise<CliProcess> {
  const { child, stdout } = spawnCli(
    'watcher',
    name,
    [...args, '--health-port', '0', '--identity', name],
    env,
  );
  return new Promise((resolve, reject) => {
    stdout.on('line', (line) => {
      const entry = JSON.parse(line) as { message: string; port?: number };
      if (entry.message === 'watcher started' && entry.port) resolve({ name, child, port: entry.port });
    });
    stdout.on('close', () => reject(new Error(`${name} exited before it started`)));
  });
}

/** The watchers that say (on /metrics) they lead. */
export async function leadersAmong(watchers: readonly CliProcess[]): Promise<CliProcess[]> {
  const flags = await Promise.all(
    watchers.map(async (w) => {
      const text = await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text();
      return metricValue(text, 'staircase_watcher_leader');
    }),
  );
  return watchers.filter((_, i) => flags[i] === 1);
}
