import { stringify } from 'yaml';
import { loadOperators, operatorHelp, operatorPaths } from '../load-operator.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase crd --operator MODULE

Prints the CustomResourceDefinition of the operator's kind as YAML (schema from zod, status subresource, printer
columns). \`staircase dev\` and the testing kit install exactly this object.
${operatorHelp(22)}`;

/** `staircase crd`: prints the CRD. */
export const crdCommand = {
  summary: "print the operator's CRD as YAML",
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags(argv, { operator: { type: 'string', multiple: true } }, HELP);
    if (!parsed) return 0;
    const { operators } = await loadOperators(operatorPaths(parsed.values.operator));
    process.stdout.write(operators.map((operator) => stringify(operator.kind.crd())).join('---\n'));
    return 0;
  },
};
