import type { ProjectNames } from './names.js';

/** Versions the generated project depends on: this package's, and the ranges it supports or was tested with. */
export interface TemplateVersions {
  readonly staircase: string;
  readonly zod: string;
  readonly kubernetesClient: string;
  readonly typescript: string;
  readonly vitest: string;
  readonly nodeTypes: string;
}

/** `package.json` of the new project. */
export function packageJson(n: ProjectNames, v: TemplateVersions): string {
  const project = {
    name: n.project,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=22.12' },
    scripts: {
      dev: 'staircase dev --operator src/operator.ts',
      test: 'vitest run',
      'histories:record': 'RECORD_HISTORIES=1 vitest run',
      typecheck: 'tsc --noEmit',
      crd: 'staircase crd --operator src/operator.ts',
      rbac: 'staircase rbac --operator src/operator.ts',
      worker: 'staircase worker --operator src/operator.ts',
      watcher: 'staircase watcher --operator src/operator.ts',
    },
    dependencies: {
      '@kubernetes/client-node': v.kubernetesClient,
      'staircase-temporal': v.staircase,
      zod: v.zod,
    },
    devDependencies: { '@types/node': v.nodeTypes, typescript: v.typescript, vitest: v.vitest },
  };
  return `${JSON.stringify(project, null, 2)}\n`;
}

/** `tsconfig.json` of the new project: strict, NodeNext. */
export const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: true,
      verbatimModuleSyntax: true,
      types: ['node'],
      noEmit: true,
    },
    include: ['src', 'test', 'vitest.config.ts'],
  },
  null,
  2,
)}\n`;

/** `.gitignore` of the new project. */
export const GITIGNORE = 'node_modules/\n.staircase/\n';

/** `README.md` of the new project. */
export function readme(n: ProjectNames): string {
  return `# ${n.project}

A Kubernetes operator for \`${n.kind}\` resources (\`${n.plural}.${n.group}\`), written with
[Staircase on Temporal](https://www.npmjs.com/package/staircase-temporal): a step-based reconciler that runs durably
on Temporal.

## Two commands

\`\`\`sh
npm run dev   # Temporal (with its UI) and a local Kubernetes control plane, the operator, and a sample ${n.kind}
npm test      # the operator on real servers, and a replay of the recorded histories
\`\`\`

Both need Node.js 22.12 or newer. The first run builds or downloads the servers (Temporal CLI, etcd,
kube-apiserver) into \`~/.cache/staircase\`; \`npx staircase provision\` does it ahead of time.

## Where things are

- \`src/operator.ts\`: the kind (a zod schema), the steps, the plan, the cleanup plan, and the dev samples.
- \`test/operator.test.ts\`: the operator tested with \`staircase-temporal/testing\` on real servers.
- \`test/histories/\`: recorded workflow histories. The first \`npm test\` records them; commit them. Later runs
  replay them, so a change that would break running ${n.kind} loops fails the tests. \`npm run histories:record\`
  records them again after an intended change.

\`npm run crd\` prints the CRD, \`npm run rbac\` the least-privilege RBAC, and \`npm run worker\` / \`npm run watcher\`
run the production processes against the Temporal server and cluster in your environment.
`;
}
