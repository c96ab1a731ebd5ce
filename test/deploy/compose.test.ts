import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../src/core/search-attributes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Service {
  readonly image?: string;
  readonly build?: string;
  readonly command?: string[] | string;
  readonly environment?: Record<string, string>;
}

async function compose(): Promise<Record<string, Service>> {
  return (
    parse(await readFile(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> }
  ).services;
}

/** The text of every source file the worker and watcher run: the CLI, the engine it starts, and the example. */
async function cliSources(): Promise<string> {
  const dirs = ['src/cli', 'src/cli/commands', 'examples/website'];
  const texts = await Promise.all(
    dirs.map(async (dir) => {
      const files = (await readdir(join(root, dir))).filter((f) => f.endsWith('.ts'));
      return (await Promise.all(files.map((f) => readFile(join(root, dir, f), 'utf8')))).join('\n');
    }),
  );
  return texts.join('\n');
}

describe('docker-compose.yml', () => {
  it('is valid for Debian’s docker-compose', async () => {
    const found = await run('docker-compose', ['version']).catch(() => undefined);
    if (!found)
      throw new Error('docker-compose is not installed: apt-get install docker-compose (.ci/run does)');
    await run('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config', '-q'], { cwd: root });
  });

  it('runs Temporal on PostgreSQL with its UI, and the worker and watcher from this repository’s image', async () => {
    const services = await compose();
    expect(Object.keys(services).sort()).toEqual([
      'postgresql',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'watcher',
      'worker',
    ]);
    expect(services.worker?.build).toBe('.');
    expect(services.watcher?.image).toBe(services.worker?.image);
  });

  it('starts only CLI commands and flags that exist, with environment variables the CLI reads', async () => {
    const services = await compose();
    const sources = await cliSources();
    for (const name of ['worker', 'watcher']) {
      const command = services[name]?.command as string[];
      const { stdout } = await run(process.execPath, [
        '--import',
        'tsx',
        join(root, 'src/cli/main.ts'),
        command[0] ?? '',
        '--help',
      ]);
      for (const flag of command.filter((arg) => arg.startsWith('--')))
        expect(stdout, `${name} ${flag}`).toContain(flag);
      for (const variable of Object.keys(services[name]?.environment ?? {})) {
        expect(sources.includes(variable), `${name} sets ${variable}, which nothing reads`).toBe(true);
      }
    }
  });

  it('registers exactly the engine’s search attributes', async () => {
    const setup = (await compose())['temporal-setup']?.command;
    const script = Array.isArray(setup) ? setup.join(' ') : String(setup);
    for (const key of ALL_SEARCH_ATTRIBUTE_KEYS) expect(script).toContain(key.name);
    expect(script.match(/Staircase\w+/g)).toHaveLength(ALL_SEARCH_ATTRIBUTE_KEYS.length);
  });
});
