import { stringify } from 'yaml';
import { rbacManifests } from '../../operator/rbac.js';
import { loadOperators, operatorHelp, operatorPaths } from '../load-operator.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase rbac --operator MODULE [--namespace NS] [--prefix NAME]

Prints least-privilege RBAC for the operator, derived from its definition (its kind, owned kinds, watched kinds and
extraRules): service accounts, cluster roles and bindings for the worker and the watcher, and a Role for the
watcher's Lease. With several operators, one set for processes that run them all.
${operatorHelp(19)}
  --namespace NS   where the service accounts and the Lease live (default staircase)
  --prefix NAME    object name prefix (default staircase-<operator>, names joined by - for several)`;

/** `staircase rbac`: least-privilege RBAC for the operator. */
export const rbacCommand = {
  summary: "print least-privilege RBAC derived from the operator's definition",
  async run(argv: string[]): Promise<number> {
    const flags = {
      operator: { type: 'string', multiple: true },
      namespace: { type: 'string' },
      prefix: { type: 'string' },
    } as const;
    const parsed = parseFlags(argv, flags, HELP);
    if (!parsed) return 0;
    const { operators } = await loadOperators(operatorPaths(parsed.values.operator));
    const manifests = rbacManifests(operators, {
      namespace: parsed.values.namespace ?? 'staircase',
      ...(parsed.values.prefix ? { prefix: parsed.values.prefix } : {}),
    });
    process.stdout.write(manifests.map((m) => stringify(m)).join('---\n'));
    return 0;
  },
};
