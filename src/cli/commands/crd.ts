import { stringify } from 'yaml';
import { loadOperator, operatorHelp, operatorPath } from '../load-operator.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase crd --operator MODULE

Prints the CustomResourceDefinition of the operator's kind as YAML (schema from zod, status subresource, printer
columns). \`staircase dev\` and the testing kit install exactly this object.
${operatorHelp(22)}`;

/** `staircase crd`: prints the CRD. */
export const crdCommand = {
  summary: "print the operator's CRD as YAML",
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags(argv, { operator: { type: 'string' } }, HELP);
    if (!parsed) return 0;
    const operator = await loadOperator(operatorPath(parsed.values.operator));
    process.stdout.write(stringify(operator.kind.crd()));
    return 0;
  },
};
