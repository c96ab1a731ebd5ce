import type { OperatorDefinition } from './operator.js';
import type { PolicyRule } from './policy-rule.js';
import { type ScopedRule, scopedWatcherRules, scopedWorkerRules } from './rbac-scope.js';

export type { PolicyRule } from './policy-rule.js';
export { apiGroupOf, readsClusterWide } from './rbac-scope.js';

/**
 * The least privilege the worker needs: read and update the operator's kind (finalizers, status), manage the owned
 * kinds, read the related kinds (`watches`: steps usually read what the resource refers to), emit Events, plus the
 * operator's `extraRules` and `extraClusterRules` for anything else its steps touch.
 *
 * Caveats: derived from the definition, not from the step code — a step that reads a kind it does not declare
 * needs it in `options.extraRules`; the API server's 403 then names the missing permission.
 */
export function workerRules(operator: OperatorDefinition): PolicyRule[] {
  return scopedWorkerRules(operator).map((scoped) => scoped.rule);
}

/** What the watcher needs: read the operator's kind, the owned kinds and the related kinds. */
export function watcherRules(operator: OperatorDefinition): PolicyRule[] {
  return scopedWatcherRules(operator).map((scoped) => scoped.rule);
}

/** What the watcher needs in its lease namespace: its leader-election Lease. */
export const LEASE_RULES: readonly PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** Names and namespace of the service accounts the manifests bind. */
export interface RbacTarget {
  readonly namespace: string;
  /** Prefix of every object name; default `staircase-<operator>` (names joined by `-` for several). */
  readonly prefix?: string;
  /**
   * The namespaces the worker and the watcher serve (the watcher's `--namespaces`); empty or absent: all.
   * When given, what is needed only there is granted by a Role in each, not by a ClusterRole.
   */
  readonly namespaces?: readonly string[];
}

const RBAC = 'rbac.authorization.k8s.io/v1';

/**
 * The RBAC objects for an operator, or for several run by one worker and one watcher process (their rules
 * concatenated): a ServiceAccount each for the worker and the watcher in `namespace`, their roles, and a Role and
 * RoleBinding for the watcher's Lease in `namespace`.
 *
 * Without `namespaces`, each account's rules are one ClusterRole and ClusterRoleBinding. With `namespaces`, the
 * rules for namespaced access become a Role and RoleBinding in each of those namespaces, and only what must be read
 * cluster-wide (a cluster-scoped operator kind with its owned and related kinds, related kinds of scope `Cluster`,
 * `extraClusterRules`) stays in a ClusterRole — none at all when nothing must.
 */
export function rbacManifests(
  operators: OperatorDefinition | readonly OperatorDefinition[],
  target: RbacTarget,
): Record<string, unknown>[] {
  const all: readonly OperatorDefinition[] = Array.isArray(operators) ? operators : [operators];
  const prefix = target.prefix ?? `staircase-${all.map((operator) => operator.name).join('-')}`;
  const namespaces = [...new Set(target.namespaces ?? [])];
  const { namespace } = target;
  const labels = { 'app.kubernetes.io/part-of': prefix };
  const account = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, labels },
  });
  const role = (name: string, rules: readonly PolicyRule[], where?: string, subject = name) => {
    const [kind, metadata] = where
      ? (['Role', { name, namespace: where, labels }] as const)
      : (['ClusterRole', { name, labels }] as const);
    return [
      { apiVersion: RBAC, kind, metadata, rules },
      {
        apiVersion: RBAC,
        kind: `${kind}Binding`,
        metadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
        subjects: [{ kind: 'ServiceAccount', name: subject, namespace }],
      },
    ];
  };
  const roles = (name: string, scoped: readonly ScopedRule[]) => {
    if (namespaces.length === 0) return role(name, rules(scoped));
    const cluster = rules(scoped.filter((s) => s.clusterWide));
    const local = rules(scoped.filter((s) => !s.clusterWide));
    return [
      ...(cluster.length > 0 ? role(name, cluster) : []),
      ...(local.length > 0 ? namespaces.flatMap((where) => role(name, local, where)) : []),
    ];
  };
  return [
    account(`${prefix}-worker`),
    account(`${prefix}-watcher`),
    ...roles(`${prefix}-worker`, all.flatMap(scopedWorkerRules)),
    ...roles(`${prefix}-watcher`, all.flatMap(scopedWatcherRules)),
    ...role(`${prefix}-watcher-lease`, LEASE_RULES, namespace, `${prefix}-watcher`),
  ];
}

function rules(scoped: readonly ScopedRule[]): PolicyRule[] {
  return scoped.map((s) => s.rule);
}
