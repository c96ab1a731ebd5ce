import { stringify } from 'yaml';
import { loadOperator } from '../load-operator.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase crd [--operator MODULE]

Prints the CustomResourceDefinition of the operator's kind as YAML (schema from zod, status subresource, printer
columns). Default operator: the website example.`;

/** `staircase crd`: prints the CRD. */
export const crdCommand = {
  summary: "print the operator's CRD as YAML",
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags(argv, { operator: { type: 'string' } }, HELP);
    if (!parsed) return 0;
    const operator = await loadOperator(parsed.values.operator);
    process.stdout.write(stringify(operator.kind.crd()));
    return 0;
  },
};
