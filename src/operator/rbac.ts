import type { OperatorDefinition, OwnedKind, RelatedKind } from './operator.js';
import type { PolicyRule } from './policy-rule.js';

export type { PolicyRule } from './policy-rule.js';

/** The API group of an `apiVersion` (`v1` → `""`, `apps/v1` → `apps`). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

const READ = ['get', 'list', 'watch'] as const;

function kindRules(owned: readonly (OwnedKind | RelatedKind)[], verbs: readonly string[]): PolicyRule[] {
  return owned.map((kind) => ({
    apiGroups: [apiGroupOf(kind.apiVersion)],
    resources: [kind.plural],
    verbs: [...verbs],
  }));
}

/**
 * The least privilege the worker needs: read and update the operator's kind (finalizers, status), manage the owned
 * kinds, read the related kinds (`watches`: steps usually read what the resource refers to), emit Events, plus the
 * operator's `extraRules` for anything else its steps touch.
 *
 * Caveats: derived from the definition, not from the step code — a step that reads a kind it does not declare
 * needs it in `options.extraRules`; the API server's 403 then names the missing permission.
 */
export function workerRules(operator: OperatorDefinition): PolicyRule[] {
  const { group, plural } = operator.kind;
  return [
    { apiGroups: [group], resources: [plural], verbs: [...READ, 'patch', 'update'] },
    { apiGroups: [group], resources: [`${plural}/status`], verbs: ['get', 'patch', 'update'] },
    // Owner references with blockOwnerDeletion need update on the owner's finalizers subresource.
    { apiGroups: [group], resources: [`${plural}/finalizers`], verbs: ['update'] },
    ...kindRules(operator.owns ?? [], [...READ, 'create', 'update', 'patch', 'delete']),
    ...kindRules(operator.watches ?? [], READ),
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ...(operator.options?.extraRules ?? []),
  ];
}

/** What the watcher needs cluster-wide: read the operator's kind, the owned kinds and the related kinds. */
export function watcherRules(operator: OperatorDefinition): PolicyRule[] {
  return [
    { apiGroups: [operator.kind.group], resources: [operator.kind.plural], verbs: [...READ] },
    ...kindRules(operator.owns ?? [], READ),
    ...kindRules(operator.watches ?? [], READ),
  ];
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
}

/**
 * The RBAC objects for an operator, or for several run by one worker and one watcher process (their rules
 * concatenated): a ServiceAccount, ClusterRole and ClusterRoleBinding each for the worker and the watcher, and a
 * Role and RoleBinding for the watcher's Lease in `namespace`.
 */
export function rbacManifests(
  operators: OperatorDefinition | readonly OperatorDefinition[],
  target: RbacTarget,
): Record<string, unknown>[] {
  const all: readonly OperatorDefinition[] = Array.isArray(operators) ? operators : [operators];
  const prefix = target.prefix ?? `staircase-${all.map((operator) => operator.name).join('-')}`;
  const { namespace } = target;
  const labels = { 'app.kubernetes.io/part-of': prefix };
  const account = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, labels },
  });
  const subject = (name: string) => [{ kind: 'ServiceAccount', name, namespace }];
  const rbac = 'rbac.authorization.k8s.io/v1';
  const cluster = (role: string, rules: readonly PolicyRule[]) => [
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: `${prefix}-${role}`, labels }, rules },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: `${prefix}-${role}`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${prefix}-${role}` },
      subjects: subject(`${prefix}-${role}`),
    },
  ];
  return [
    account(`${prefix}-worker`),
    account(`${prefix}-watcher`),
    ...cluster('worker', all.flatMap(workerRules)),
    ...cluster('watcher', all.flatMap(watcherRules)),
    {
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name: `${prefix}-watcher-lease`, namespace, labels },
      rules: LEASE_RULES,
    },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name: `${prefix}-watcher-lease`, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${prefix}-watcher-lease` },
      subjects: subject(`${prefix}-watcher`),
    },
  ];
}
