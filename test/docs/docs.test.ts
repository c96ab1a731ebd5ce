/**
 * The docs cannot drift: every code block in docs/guide/*.md (and the ```ts and ```sh blocks of README.md) is
 * compiled, run or checked here.
 *
 * - ```ts blocks: the blocks of one Markdown file are concatenated, in order, into one module; a block fenced
 *   ```ts module=NAME goes into the separate module NAME of that file (NAME may be a path like `src/operator`, so
 *   `test/operator.test` can import `../src/operator.js`); a block fenced ```ts ignore is not compiled (use it
 *   nowhere unless unavoidable). The modules are written to test/docs/.generated/ (inside the repository, so
 *   `staircase-temporal` resolves to the sources through the package's self-reference and the `staircase-source`
 *   condition) and type-checked with `tsc --noEmit` against the repository's tsconfig. Errors name the Markdown
 *   file and line.
 * - The tutorial's module `src/operator` is loaded as an operator and reconciled on the real servers with the
 *   testing kit until Ready; it must define the same kind and plan as examples/greeting/operator.ts.
 * - ```sh blocks: each `staircase CMD …` (also `npx staircase …`, `npx staircase-temporal …`) must name a command
 *   whose `--help` lists every `--flag` used; each `npm run SCRIPT` in the guide must be a script of the project
 *   `staircase init` generates.
 * - ```yaml and ```json blocks must parse; ```text blocks are output, not code. The guide allows no other fence.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { OperatorDefinition, ResourceKind } from 'staircase-temporal';
import { startOperatorTest } from 'staircase-temporal/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import greetingExample from '../../examples/greeting/operator.js';
import { projectNames } from '../../src/cli/init/names.js';
import { packageJson } from '../../src/cli/init/project-templates.js';
import {
  type CodeBlock,
  codeBlocks,
  type DocModule,
  npmScripts,
  staircaseCommands,
  tsModules,
} from './markdown.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GENERATED = join(ROOT, 'test/docs/.generated');
const GUIDE = 'docs/guide';
const TUTORIAL = `${GUIDE}/tutorial.md`;

interface Doc {
  readonly path: string;
  readonly blocks: readonly CodeBlock[];
  readonly modules: Map<string, DocModule>;
}

async function readDocs(): Promise<Doc[]> {
  const guide = (await readdir(join(ROOT, GUIDE))).filter((f) => f.endsWith('.md')).sort();
  return Promise.all(
    ['README.md', ...guide.map((f) => `${GUIDE}/${f}`)].map(async (path) => {
      const blocks = codeBlocks(await readFile(join(ROOT, path), 'utf8'));
      return { path, blocks, modules: tsModules(path, blocks) };
    }),
  );
}

const fileOf = (module: DocModule) => join(GENERATED, module.doc.replace(/\.md$/, ''), `${module.name}.ts`);
const where = (doc: string, line: number) => `${doc}:${line}`;

let docs: Doc[];
const generated = new Map<string, DocModule>();

beforeAll(async () => {
  docs = await readDocs();
  await rm(GENERATED, { recursive: true, force: true });
  for (const module of docs.flatMap((doc) => [...doc.modules.values()])) {
    const file = fileOf(module);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${module.lines.join('\n')}\n`);
    generated.set(relative(ROOT, file), module);
  }
});
afterAll(() => rm(GENERATED, { recursive: true, force: true }));

describe('the docs', () => {
  it('have a guide whose pages are all linked from its index, in reading order', async () => {
    const index = await readFile(join(ROOT, GUIDE, 'README.md'), 'utf8');
    const pages = docs.filter((d) => d.path.startsWith(GUIDE) && !d.path.endsWith('/README.md'));
    expect(pages.length).toBeGreaterThanOrEqual(12);
    const unlinked = pages
      .map((d) => d.path.slice(GUIDE.length + 1))
      .filter((p) => !index.includes(`(${p})`));
    expect(unlinked).toEqual([]);
    expect(await readFile(join(ROOT, 'README.md'), 'utf8')).toContain('(docs/guide/README.md)');
  });

  it('use only code fences the test knows how to check', () => {
    const allowed = new Set(['ts', 'typescript', 'sh', 'yaml', 'json', 'text']);
    const unknown = docs
      .filter((d) => d.path.startsWith(GUIDE))
      .flatMap((d) =>
        d.blocks.filter((b) => !allowed.has(b.lang)).map((b) => where(d.path, b.firstLine - 1)),
      );
    expect(unknown, 'label each fence ts, sh, yaml, json or text').toEqual([]);
  });

  it('type-check every ```ts block', async () => {
    const tsconfig = {
      extends: relative(GENERATED, join(ROOT, 'tsconfig.json')),
      compilerOptions: { noEmit: true },
      include: [...generated.keys()].map((file) => relative(GENERATED, join(ROOT, file))),
    };
    await writeFile(join(GENERATED, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(
      process.execPath,
      [tsc, '-p', join(GENERATED, 'tsconfig.json'), '--pretty', 'false'],
      {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((error: { stdout?: string; stderr?: string }) => error);
    expect(tscErrors(`${result.stdout ?? ''}${result.stderr ?? ''}`)).toEqual([]);
  }, 240_000);

  it('give every staircase command in a ```sh block flags its --help lists', async () => {
    const commands = docs.flatMap((d) =>
      d.blocks.filter((b) => b.lang === 'sh').flatMap((b) => staircaseCommands(b).map((c) => c.command)),
    );
    const helps = await helpsOf([...new Set(commands)]);
    const help = async (command: string) => helps.get(command);
    const problems: string[] = [];
    for (const doc of docs) {
      for (const block of doc.blocks.filter((b) => b.lang === 'sh')) {
        problems.push(...(await commandProblems(doc.path, block, help)));
        if (doc.path.startsWith(GUIDE)) problems.push(...scriptProblems(doc.path, block));
      }
    }
    expect(problems).toEqual([]);
    expect(helps.size).toBeGreaterThanOrEqual(5);
  }, 180_000);

  it('have ```yaml and ```json blocks that parse', () => {
    const problems = docs
      .filter((d) => d.path.startsWith(GUIDE))
      .flatMap((doc) => doc.blocks.flatMap((block) => parseProblems(doc.path, block)));
    expect(problems).toEqual([]);
  });
});

describe('the tutorial', () => {
  const load = async () => {
    const tutorial = docs.find((d) => d.path === TUTORIAL)?.modules.get('src/operator');
    if (!tutorial) throw new Error(`${TUTORIAL} has no module src/operator`);
    return (await import(pathToFileURL(fileOf(tutorial)).href)) as {
      default: OperatorDefinition<ResourceKind>;
      dev?: { samples: readonly { name: string; spec: Record<string, unknown> }[] };
    };
  };

  it('ends with the operator of examples/greeting: the same kind and the same plan', async () => {
    const { default: operator } = await load();
    expect(operator.name).toBe(greetingExample.name);
    expect(operator.kind.crd()).toEqual(greetingExample.kind.crd());
    const resource = { metadata: { name: 'x', uid: 'u' }, spec: { message: 'hi', ready: true } } as never;
    const stepNames = (o: OperatorDefinition<ResourceKind>) =>
      o.plan(resource).items.map((item) => (item.kind === 'step' ? item.step.name : item.name));
    expect(stepNames(operator)).toEqual(stepNames(greetingExample as OperatorDefinition<ResourceKind>));
  });

  it('runs: its operator reconciles its sample to Ready on the real servers', async () => {
    const { default: operator, dev } = await load();
    const sample = dev?.samples[0];
    if (!sample) throw new Error(`${TUTORIAL} defines no dev sample`);
    const test = await startOperatorTest({ operator });
    try {
      const ref = await test.create(sample.name, sample.spec);
      await test.waitForReady(ref);
      const core = test.kube.makeApiClient(CoreV1Api);
      const target = { namespace: test.namespace, name: `${sample.name}-greeting` };
      const message = async () => (await core.readNamespacedConfigMap(target)).data?.message;
      expect(await message()).toBe(sample.spec.message);
      expect((await test.get(ref))?.status).toMatchObject({ configMap: target.name });
      const runs = await test.assertEngineGuarantees(ref);
      expect(runs.flatMap((r) => r.applies)).toEqual(['ensure-configmap', 'record-configmap']);

      // The tutorial's promise: a hand edit is put back by the next run.
      await core.patchNamespacedConfigMap(
        { ...target, body: { data: { message: 'edited by hand' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await expect.poll(message, { timeout: 60_000, interval: 500 }).toBe(sample.spec.message);
    } finally {
      await test.stop();
    }
  }, 180_000);
});

/** Problems with the `staircase` commands of a shell block: unknown commands, flags their help does not list. */
async function commandProblems(
  doc: string,
  block: CodeBlock,
  help: (command: string) => Promise<string | undefined>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const command of staircaseCommands(block)) {
    const text = await help(command.command);
    const at = where(doc, command.docLine);
    if (text === undefined) {
      problems.push(`${at}: no command "${command.command}" (${command.text})`);
      continue;
    }
    const missing = command.flags.filter((flag) => !new RegExp(`${flag}(?![\\w-])`).test(text));
    problems.push(...missing.map((flag) => `${at}: staircase ${command.command} has no ${flag}`));
  }
  return problems;
}

/** `npm run` scripts of a shell block that a project made by `staircase init` does not have. */
function scriptProblems(doc: string, block: CodeBlock): string[] {
  const scripts = Object.keys(templateScripts());
  return npmScripts(block)
    .filter(({ script }) => !scripts.includes(script))
    .map(
      ({ script, docLine }) =>
        `${where(doc, docLine)}: a project from staircase init has no script "${script}"`,
    );
}

/** Parse errors of a ```yaml or ```json block. */
function parseProblems(doc: string, block: CodeBlock): string[] {
  const text = block.lines.join('\n');
  const at = where(doc, block.firstLine);
  if (block.lang === 'yaml')
    return parseAllDocuments(text).flatMap((parsed) =>
      parsed.errors.map((error) => `${at}: ${error.message}`),
    );
  if (block.lang !== 'json') return [];
  try {
    JSON.parse(text);
    return [];
  } catch (error) {
    return [`${at}: ${String(error)}`];
  }
}

/** The `--help` of each command (undefined for one that does not exist), three processes at a time. */
async function helpsOf(commands: readonly string[]): Promise<Map<string, string | undefined>> {
  const helps = new Map<string, string | undefined>();
  for (let i = 0; i < commands.length; i += 3) {
    const batch = commands.slice(i, i + 3);
    const texts = await Promise.all(batch.map(helpOf));
    for (const [j, command] of batch.entries()) helps.set(command, texts[j]);
  }
  return helps;
}

/** `staircase CMD --help`, or undefined when there is no such command. */
async function helpOf(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', command, '--help'],
      {
        cwd: ROOT,
      },
    );
    return stdout.includes(`staircase ${command}`) ? stdout : undefined;
  } catch {
    return undefined;
  }
}

function templateScripts(): Record<string, string> {
  const versions = {
    staircase: '0',
    zod: '0',
    kubernetesClient: '0',
    typescript: '0',
    vitest: '0',
    nodeTypes: '0',
  };
  return (
    JSON.parse(packageJson(projectNames('Greeting', 'example.com'), versions)) as {
      scripts: Record<string, string>;
    }
  ).scripts;
}

/** tsc's errors, each naming the Markdown file and line its generated line came from. */
function tscErrors(output: string): string[] {
  const errors: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (!match) {
      if (line.startsWith(' ') && errors.length > 0) errors[errors.length - 1] += `\n${line}`;
      else if (line.trim()) errors.push(line);
      continue;
    }
    const [, file = '', row = '0', , code, message] = match;
    const module = generated.get(relative(ROOT, join(ROOT, file)));
    const docLine = module?.docLines[Number(row) - 1];
    errors.push(
      module
        ? `${where(module.doc, docLine ?? 0)} (module ${module.name}): ${code} ${message}`
        : `${file}:${row}: ${code} ${message}`,
    );
  }
  return errors;
}
