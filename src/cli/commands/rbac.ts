import { stringify } from 'yaml';
import { z } from 'zod';
import { rbacManifests } from '../../operator/rbac.js';
import { NamespaceNameSchema } from '../../watcher/config.js';
import { loadOperators, operatorHelp, operatorPaths } from '../load-operator.js';
import { parseFlags, validated } from '../parse.js';

const HELP = `staircase rbac --operator MODULE [--namespace NS] [--namespaces a,b] [--prefix NAME]

Prints least-privilege RBAC for the operator, derived from its definition (its kind, owned kinds, watched kinds and
extraRules): service accounts, roles and bindings for the worker and the watcher, and a Role for the watcher's
Lease. Cluster roles by default; with --namespaces, Roles in each of those namespaces, and cluster roles only for
what must be read cluster-wide (cluster-scoped kinds, extraClusterRules). With several operators, one set for
processes that run them all.
${operatorHelp(19)}
  --namespace NS   where the service accounts and the Lease live (default staircase)
  --namespaces a,b the namespaces the processes serve (the watcher's --namespaces); default: all
  --prefix NAME    object name prefix (default staircase-<operator>, names joined by - for several)`;

const RbacFlagsSchema = z.object({
  namespace: NamespaceNameSchema.default('staircase'),
  namespaces: z.array(NamespaceNameSchema).default([]),
  prefix: z.string().min(1).optional(),
});

/** `staircase rbac`: least-privilege RBAC for the operator. */
export const rbacCommand = {
  summary: "print least-privilege RBAC derived from the operator's definition",
  async run(argv: string[]): Promise<number> {
    const flags = {
      operator: { type: 'string', multiple: true },
      namespace: { type: 'string' },
      namespaces: { type: 'string' },
      prefix: { type: 'string' },
    } as const;
    const parsed = parseFlags(argv, flags, HELP);
    if (!parsed) return 0;
    const { values } = parsed;
    const target = validated('rbac flags', () =>
      RbacFlagsSchema.parse({
        namespace: values.namespace,
        namespaces: values.namespaces?.split(',').filter(Boolean),
        prefix: values.prefix,
      }),
    );
    const { operators } = await loadOperators(operatorPaths(values.operator));
    const manifests = rbacManifests(operators, {
      namespace: target.namespace,
      namespaces: target.namespaces,
      ...(target.prefix ? { prefix: target.prefix } : {}),
    });
    process.stdout.write(manifests.map((m) => stringify(m)).join('---\n'));
    return 0;
  },
};
