import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { projectNames } from '../init/names.js';
import { operatorSource } from '../init/operator-template.js';
import {
  GITIGNORE,
  packageJson,
  readme,
  type TemplateVersions,
  TSCONFIG,
} from '../init/project-templates.js';
import { GLOBAL_SETUP, operatorTestSource, VITEST_CONFIG } from '../init/test-templates.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase init DIR [--kind KIND] [--group GROUP] [--name NAME]

Creates a new operator project in DIR (which must be empty or not exist): a kind, a two-step plan and a cleanup
plan in src/operator.ts, dev samples, a test written with the testing kit, a replay test, and npm scripts.
  --kind KIND     the resource kind, UpperCamelCase (default: Greeting)
  --group GROUP   the API group (default: example.com)
  --name NAME     the npm package name (default: <kind>-operator)

Then: cd DIR && npm install && npm run dev (or npm test).`;

/** `staircase init DIR`: scaffolds an operator project. */
export const initCommand = {
  summary: 'create a new operator project (kind, steps, tests, scripts)',
  async run(argv: string[]): Promise<number> {
    const flags = { kind: { type: 'string' }, group: { type: 'string' }, name: { type: 'string' } } as const;
    const parsed = parseFlags(argv, flags, HELP, true);
    if (!parsed) return 0;
    const [target, extra] = parsed.positionals;
    if (!target || extra !== undefined) throw new UsageError('give one DIR: staircase init DIR');
    const dir = resolve(target);
    if (existsSync(dir) && (await readdir(dir)).length > 0)
      throw new UsageError(`${dir} is not empty; give a new or empty folder`);
    const names = projectNames(
      parsed.values.kind ?? 'Greeting',
      parsed.values.group ?? 'example.com',
      parsed.values.name ?? defaultProjectName(dir, parsed.values.kind),
    );
    const files: Record<string, string> = {
      'package.json': packageJson(names, await templateVersions()),
      'tsconfig.json': TSCONFIG,
      '.gitignore': GITIGNORE,
      'README.md': readme(names),
      'vitest.config.ts': VITEST_CONFIG,
      'src/operator.ts': operatorSource(names),
      'test/global-setup.ts': GLOBAL_SETUP,
      'test/operator.test.ts': operatorTestSource(names),
      'test/histories/.gitkeep': '',
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const where = relative(process.cwd(), dir) || '.';
    process.stdout.write(
      `created ${names.project} (${names.kind}, ${names.plural}.${names.group}) in ${where}\n\n` +
        `  cd ${where}\n  npm install\n  npm run dev     # run it on local Temporal and Kubernetes\n` +
        '  npm test        # test it on real servers\n',
    );
    return 0;
  },
};

/** The folder's name when it is a valid package name and no kind was given; else `<kind>-operator`. */
function defaultProjectName(dir: string, kind: string | undefined): string | undefined {
  const name = basename(dir);
  return kind === undefined && /^[a-z0-9][a-z0-9._-]*$/.test(name) ? name : undefined;
}

/** This package's version and the versions of the tools it was built and tested with. */
async function templateVersions(): Promise<TemplateVersions> {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'),
  ) as {
    version: string;
    peerDependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const dev = (name: string) => manifest.devDependencies[name] ?? 'latest';
  return {
    staircase: `^${manifest.version}`,
    zod: manifest.peerDependencies.zod ?? 'latest',
    kubernetesClient: manifest.peerDependencies['@kubernetes/client-node'] ?? 'latest',
    typescript: dev('typescript'),
    vitest: dev('vitest'),
    nodeTypes: dev('@types/node'),
  };
}
