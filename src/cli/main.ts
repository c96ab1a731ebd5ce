#!/usr/bin/env node
/**
 * `staircase <command>`: the command-line entry point. Every command prints help with `--help`, exits 0 on success
 * and non-zero with a one-line reason on failure.
 */
import { UsageError } from './errors.js';

interface Command {
  readonly summary: string;
  readonly run: (argv: string[]) => Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init.js')).initCommand,
  dev: async () => (await import('./commands/dev.js')).devCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  watcher: async () => (await import('./commands/watcher.js')).watcherCommand,
  crd: async () => (await import('./commands/crd.js')).crdCommand,
  rbac: async () => (await import('./commands/rbac.js')).rbacCommand,
  status: async () => (await import('./commands/loop-control.js')).statusCommand,
  reconcile: async () => (await import('./commands/loop-control.js')).reconcileCommand,
  pause: async () => (await import('./commands/loop-control.js')).pauseCommand,
  resume: async () => (await import('./commands/loop-control.js')).resumeCommand,
  replay: async () => (await import('./commands/replay.js')).replayCommand,
  'codec-server': async () => (await import('./commands/codec-server.js')).codecServerCommand,
  provision: async () => (await import('./commands/provision.js')).provisionCommand,
};

async function usage(): Promise<string> {
  const lines = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, load]) => `  ${name.padEnd(12)} ${(await load()).summary}`),
  );
  return `usage: staircase <command> [options]   (staircase <command> --help for its options)\n\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`unknown command "${name}"; run staircase --help`);
  return (await load()).run(rest);
}

// Exit explicitly: a finished command must not linger on connections a library keeps open. (Writes to pipes and
// terminals are synchronous on Linux, so no output is lost.)
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`staircase: ${message.split('\n').join('\n  ')}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
