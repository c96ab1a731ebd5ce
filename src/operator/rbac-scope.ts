import type { OperatorDefinition, OwnedKind, RelatedKind } from './operator.js';
import type { PolicyRule } from './policy-rule.js';

/** A rule and whether it must hold cluster-wide, or only in the namespaces the processes serve. */
export interface ScopedRule {
  readonly rule: PolicyRule;
  /** True: a ClusterRole even when `staircase rbac --namespaces` narrows the rest to Roles. */
  readonly clusterWide: boolean;
}

/**
 * Whether a kind of `operator` (its own kind, an owned kind, or a related kind of scope `kindScope`) is read
 * cluster-wide even when the watcher is given namespaces. The watcher's informers and the RBAC of
 * `staircase rbac --namespaces` both follow this one decision, so what is watched is exactly what is granted.
 *
 * A cluster-scoped operator kind has no namespaces to narrow to: it, its owned kinds (children of a cluster-scoped
 * owner may live in any namespace) and its related kinds are read cluster-wide. For a namespaced operator kind only
 * related kinds of scope `Cluster` are.
 */
export function readsClusterWide(
  operator: OperatorDefinition,
  kindScope: 'Namespaced' | 'Cluster' = 'Namespaced',
): boolean {
  return operator.kind.scope === 'Cluster' || kindScope === 'Cluster';
}

/** The API group of an `apiVersion` (`v1` → `""`, `apps/v1` → `apps`). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

const READ = ['get', 'list', 'watch'] as const;

function kindRule(kind: OwnedKind | RelatedKind, verbs: readonly string[]): PolicyRule {
  return { apiGroups: [apiGroupOf(kind.apiVersion)], resources: [kind.plural], verbs: [...verbs] };
}

/**
 * The worker's rules with their scope: read and update the operator's kind (finalizers, status), manage the owned
 * kinds, read the related kinds, emit Events, plus `extraRules` (scoped like the operator's kind) and
 * `extraClusterRules` (always cluster-wide).
 *
 * Caveats: Events of a cluster-scoped resource go to `default`, so they are granted cluster-wide with its kind.
 */
export function scopedWorkerRules(operator: OperatorDefinition): ScopedRule[] {
  const { group, plural } = operator.kind;
  const own = readsClusterWide(operator);
  const scoped = (rule: PolicyRule, clusterWide = own): ScopedRule => ({ rule, clusterWide });
  return [
    scoped({ apiGroups: [group], resources: [plural], verbs: [...READ, 'patch', 'update'] }),
    scoped({ apiGroups: [group], resources: [`${plural}/status`], verbs: ['get', 'patch', 'update'] }),
    // Owner references with blockOwnerDeletion need update on the owner's finalizers subresource.
    scoped({ apiGroups: [group], resources: [`${plural}/finalizers`], verbs: ['update'] }),
    ...(operator.owns ?? []).map((kind) =>
      scoped(kindRule(kind, [...READ, 'create', 'update', 'patch', 'delete'])),
    ),
    ...(operator.watches ?? []).map((kind) =>
      scoped(kindRule(kind, READ), readsClusterWide(operator, kind.scope)),
    ),
    // Events are aggregated: a repeated one is read and its count patched.
    scoped({ apiGroups: [''], resources: ['events'], verbs: ['create', 'get', 'patch'] }),
    ...(operator.options?.extraRules ?? []).map((rule) => scoped(rule)),
    ...(operator.options?.extraClusterRules ?? []).map((rule) => scoped(rule, true)),
  ];
}

/** The watcher's rules with their scope: read the operator's kind, the owned kinds and the related kinds. */
export function scopedWatcherRules(operator: OperatorDefinition): ScopedRule[] {
  const own = readsClusterWide(operator);
  return [
    {
      rule: { apiGroups: [operator.kind.group], resources: [operator.kind.plural], verbs: [...READ] },
      clusterWide: own,
    },
    ...(operator.owns ?? []).map((kind) => ({ rule: kindRule(kind, READ), clusterWide: own })),
    ...(operator.watches ?? []).map((kind) => ({
      rule: kindRule(kind, READ),
      clusterWide: readsClusterWide(operator, kind.scope),
    })),
  ];
}
