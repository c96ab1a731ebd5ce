/**
 * The package as its users meet it: packed with `npm pack`, installed into empty projects outside this repository,
 * type-checked against the published declarations, run with `npx staircase`, and scaffolded with `staircase init`.
 * Dependencies come from the local npm cache, or the registry where the cache lacks their metadata.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version: string }>;
};
/** The exact version this repository is tested with, so the install can come from the npm cache. */
const pinned = (name: string) => `${name}@${lock.packages[`node_modules/${name}`]?.version}`;

/** The environment of a user's shell: none of this test run's own settings (source condition, vitest, CI). */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(NODE_OPTIONS|npm_.*|VITEST.*|CI|STAIRCASE_TEST_SERVERS|NODE_ENV|TEST)$/.test(key)) continue;
    env[key] = value;
  }
  // Plain output, so it can be matched.
  return { ...env, NO_COLOR: '1', ...extra };
}

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in `cwd` as a user would, resolving with its exit code and output whatever the code. */
function run(cwd: string, command: string, args: readonly string[], timeoutMs = 300_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Fails with the command's output when it did not exit 0. */
function succeeded(result: Result, what: string): Result {
  expect(result.code, `${what} failed:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`).toBe(
    0,
  );
  return result;
}

const npmInstall = (cwd: string, specs: readonly string[]) =>
  run(cwd, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs]);

describe('the packed package, installed outside the repository', () => {
  let work: string;
  let tarball: string;
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'staircase-package-'));
    const packed = succeeded(
      await run(root, 'npm', ['pack', '--silent', '--pack-destination', work]),
      'npm pack',
    );
    tarball = join(work, packed.stdout.trim().split('\n').at(-1) ?? '');
    project = join(work, 'my-project');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      '{ "name": "my-project", "private": true, "type": "module" }\n',
    );
    succeeded(
      await npmInstall(project, [tarball, pinned('typescript'), pinned('@types/node')]),
      'npm install of the tarball',
    );
  }, 600_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('ships compiled code and declarations for every entry, and loads one copy of the framework', async () => {
    const installed = join(project, 'node_modules/staircase-temporal');
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/devenv/index.js',
      'dist/testing/index.d.ts',
    ])
      expect(existsSync(join(installed, file)), file).toBe(true);
    expect(existsSync(join(installed, 'dist/workflows/index.js'))).toBe(true);
    const probe = `import * as lib from 'staircase-temporal';
import * as devenv from 'staircase-temporal/devenv';
import * as testing from 'staircase-temporal/testing';
console.log(typeof lib.defineOperator, typeof devenv.startDevEnvironment, typeof testing.startOperatorTest);`;
    await writeFile(join(project, 'probe.mjs'), probe);
    const loaded = succeeded(await run(project, 'node', ['probe.mjs']), 'importing the entries');
    expect(loaded.stdout.trim()).toBe('function function function');
    // The CLI loads each command lazily: every one must load as compiled ESM in plain Node.
    const help = succeeded(await run(project, 'npx', ['staircase', '--help']), 'staircase --help');
    const commands = [...help.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1] ?? '');
    expect(commands).toContain('init');
    for (const command of commands)
      succeeded(await run(project, 'npx', ['staircase', command, '--help']), `staircase ${command} --help`);
    const peers = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')).peerDependencies;
    expect(Object.keys(peers).sort()).toEqual(['@kubernetes/client-node', 'zod']);
  });

  it('keeps the worker SDK, webpack and client-node out of operator modules and the watcher, and client-node out of the hosting entry', async () => {
    // The watcher imports the operators' modules, which import the package: what the entry loads stays in the
    // watcher's memory (client-node alone is ≈60 MB of it).
    const probe = `import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules\\/)/.exec(resolved.url);
    if (match) loaded.add(match[1]);
    return resolved;
  },
});
const lib = await import('staircase-temporal');
await import('./node_modules/staircase-temporal/dist/cli/commands/watcher.js');
const before = [...loaded];
const hosting = await import('staircase-temporal/worker');
const worker = [...loaded];
await import('staircase-temporal/testing');
console.log(JSON.stringify({ before, worker, after: [...loaded], kinds: typeof lib.defineOperator + typeof hosting.createEngineWorker }));`;
    await writeFile(join(project, 'weight.mjs'), probe);
    const result = succeeded(await run(project, 'node', ['weight.mjs']), 'importing the entries');
    const { before, worker, after, kinds } = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(kinds).toBe('functionfunction');
    expect(before).toContain('@temporalio/client');
    for (const heavy of ['@temporalio/worker', 'webpack', '@kubernetes/client-node'])
      expect(before, heavy).not.toContain(heavy);
    // Nor does the hosting entry load client-node: the steps' client goes without it (test/cli/cli.test.ts runs a worker so).
    expect(worker).not.toContain('@kubernetes/client-node');
    // The testing kit loads it, and the probe sees it: its silence above means something.
    expect(after).toContain('@kubernetes/client-node');
  });

  it('type-checks a TypeScript operator against the published declarations and runs it to Ready with npx staircase dev', async () => {
    const operator = join(project, 'operator.ts');
    await copyFile(join(root, 'examples/greeting/operator.ts'), operator);
    await writeFile(
      operator,
      `${await readFile(operator, 'utf8')}\nexport const dev = { samples: [{ name: 'hello', spec: { message: 'hi' } }] };\n`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2023',
          strict: true,
          noEmit: true,
          // As users do (and `staircase init` sets): some dependencies' declarations need @types they lack.
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['operator.ts'],
      }),
    );
    succeeded(await run(project, 'npx', ['tsc', '-p', '.']), 'tsc against the published declarations');
    const dev = await run(project, 'npx', [
      'staircase',
      'dev',
      '--operator',
      './operator.ts',
      '--exit-when-ready',
    ]);
    succeeded(dev, 'npx staircase dev');
    expect(dev.stdout).toContain('every Greeting is Ready');
  }, 400_000);

  it('refuses an operator module without a default export with a clear message', async () => {
    await writeFile(join(project, 'nothing.ts'), 'export const answer = 42;\n');
    const result = await run(project, 'npx', ['staircase', 'crd', '--operator', './nothing.ts']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nothing\.ts has no default export/);
  });

  it('scaffolds with staircase init a project whose own tests pass and whose sample converges under dev', async () => {
    const generated = join(work, 'website-operator');
    const init = succeeded(
      await run(project, 'npx', ['staircase', 'init', generated, '--kind', 'Website']),
      'staircase init',
    );
    expect(init.stdout).toContain('created website-operator (Website, websites.example.com)');
    const again = await run(project, 'npx', ['staircase', 'init', generated]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');

    succeeded(await npmInstall(generated, [tarball]), 'npm install in the generated project');
    succeeded(await run(generated, 'npm', ['run', 'typecheck']), 'the generated project type-checks');
    const tests = succeeded(await run(generated, 'npm', ['test'], 400_000), "the generated project's tests");
    expect(tests.stdout).toMatch(/Tests\s+3 passed/);
    expect(existsSync(join(generated, 'test/histories/hello.json'))).toBe(true);
    const replay = succeeded(
      await run(generated, 'npx', ['staircase', 'replay', 'test/histories/hello.json']),
      'staircase replay of the recorded history',
    );
    expect(replay.stdout).toContain('1 passed, 0 failed');

    const dev = await run(generated, 'npm', ['run', 'dev', '--', '--exit-when-ready']);
    succeeded(dev, 'npm run dev in the generated project');
    expect(dev.stdout).toContain('every Website is Ready');
  }, 900_000);
});
