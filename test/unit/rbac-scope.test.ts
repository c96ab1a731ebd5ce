import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ResourceRef } from '../../src/core/resource-ref.js';
import type { OperatorDefinition } from '../../src/operator/operator.js';
import { type PolicyRule, rbacManifests } from '../../src/operator/rbac.js';
import { readsClusterWide } from '../../src/operator/rbac-scope.js';
import { defineResourceKind, type ResourceKind } from '../../src/operator/resource-kind.js';
import { parseWatcherConfig } from '../../src/watcher/config.js';
import type { KindInformers, WatchHandler, WatchRequest } from '../../src/watcher/kind-informers.js';
import { OperatorWatch } from '../../src/watcher/operator-watch.js';
import type { SignalQueue } from '../../src/watcher/signal-queue.js';

const kindOf = (scope: 'Namespaced' | 'Cluster') =>
  defineResourceKind({
    group: 'scope.example.dev',
    version: 'v1',
    kind: 'Thing',
    plural: 'things',
    scope,
    spec: z.object({}),
  });

const operatorOf = (kind: ResourceKind, extra: Partial<OperatorDefinition> = {}): OperatorDefinition =>
  ({
    name: 'thing',
    kind,
    plan: () => ({ items: [] }),
    owns: [{ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }],
    watches: [
      { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', map: () => [] },
      { apiVersion: 'v1', kind: 'Node', plural: 'nodes', scope: 'Cluster', map: () => [] },
    ],
    ...extra,
  }) as unknown as OperatorDefinition;

const namespaced = operatorOf(kindOf('Namespaced'), {
  options: {
    extraRules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    extraClusterRules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }],
  },
});
const cluster = operatorOf(kindOf('Cluster'));

type Manifest = { kind: string; metadata: { name: string; namespace?: string }; rules?: PolicyRule[] };
const summary = (manifests: Record<string, unknown>[]) =>
  (manifests as Manifest[])
    .filter((m) => m.kind === 'Role' || m.kind === 'ClusterRole')
    .map((m) => ({
      kind: m.kind,
      name: m.metadata.name,
      namespace: m.metadata.namespace,
      resources: m.rules?.flatMap((r) => r.resources),
    }));

describe('RBAC that follows the scope', () => {
  it.each([
    ['a namespaced kind', 'Namespaced', undefined, false],
    ['a related kind of a namespaced kind', 'Namespaced', 'Namespaced', false],
    ['a cluster-scoped related kind', 'Namespaced', 'Cluster', true],
    ['a cluster-scoped operator kind', 'Cluster', undefined, true],
    ['a namespaced kind related to a cluster-scoped one', 'Cluster', 'Namespaced', true],
  ] as const)('reads %s cluster-wide: %s', (_what, own, related, expected) => {
    expect(readsClusterWide(operatorOf(kindOf(own)), related)).toBe(expected);
  });

  it('grants namespaced access by a Role in each namespace, and only what must be read cluster-wide by a ClusterRole', () => {
    const manifests = rbacManifests(namespaced, { namespace: 'ops', namespaces: ['a', 'b', 'a'] });
    expect(summary(manifests)).toEqual([
      { kind: 'ClusterRole', name: 'staircase-thing-worker', resources: ['nodes', 'namespaces'] },
      ...['a', 'b'].map((namespace) => ({
        kind: 'Role',
        name: 'staircase-thing-worker',
        namespace,
        resources: [
          'things',
          'things/status',
          'things/finalizers',
          'configmaps',
          'secrets',
          'events',
          'pods',
        ],
      })),
      { kind: 'ClusterRole', name: 'staircase-thing-watcher', resources: ['nodes'] },
      ...['a', 'b'].map((namespace) => ({
        kind: 'Role',
        name: 'staircase-thing-watcher',
        namespace,
        resources: ['things', 'configmaps', 'secrets'],
      })),
      { kind: 'Role', name: 'staircase-thing-watcher-lease', namespace: 'ops', resources: ['leases'] },
    ]);
    const bindings = (manifests as (Manifest & { subjects?: { name: string }[] })[]).filter((m) =>
      m.kind.endsWith('Binding'),
    );
    expect(bindings.map((b) => `${b.kind} ${b.metadata.namespace ?? '-'} ${b.subjects?.[0]?.name}`)).toEqual([
      'ClusterRoleBinding - staircase-thing-worker',
      'RoleBinding a staircase-thing-worker',
      'RoleBinding b staircase-thing-worker',
      'ClusterRoleBinding - staircase-thing-watcher',
      'RoleBinding a staircase-thing-watcher',
      'RoleBinding b staircase-thing-watcher',
      'RoleBinding ops staircase-thing-watcher',
    ]);
  });

  it('keeps everything of a cluster-scoped kind in ClusterRoles, namespaces or not', () => {
    const roles = summary(rbacManifests(cluster, { namespace: 'ops', namespaces: ['a'] }));
    expect(roles.map((r) => `${r.kind} ${r.name}`)).toEqual([
      'ClusterRole staircase-thing-worker',
      'ClusterRole staircase-thing-watcher',
      'Role staircase-thing-watcher-lease',
    ]);
  });

  it('grants all in ClusterRoles without namespaces, extraClusterRules included', () => {
    const roles = summary(rbacManifests(namespaced, { namespace: 'ops' }));
    expect(roles.map((r) => `${r.kind} ${r.name}`)).toEqual([
      'ClusterRole staircase-thing-worker',
      'ClusterRole staircase-thing-watcher',
      'Role staircase-thing-watcher-lease',
    ]);
    expect(roles[0]?.resources).toContain('namespaces');
  });
});

/** Subscribes an OperatorWatch to fake informers; returns what it asked to watch and a way to deliver events. */
function watchWith(operator: OperatorDefinition, config: Record<string, unknown>) {
  const requests: WatchRequest[] = [];
  const handlers = new Map<string, WatchHandler>();
  const signals: string[] = [];
  const informers = {
    subscribe: (request: WatchRequest, handler: WatchHandler) => {
      requests.push(request);
      handlers.set(`${request.kind.plural}/${request.namespace ?? '*'}`, handler);
    },
  } as unknown as KindInformers;
  const queue = { enqueue: (ref: ResourceRef) => signals.push(ref.name) } as unknown as SignalQueue;
  const log = { info() {}, warn() {}, error() {} };
  new OperatorWatch(operator, queue, parseWatcherConfig(config), log).subscribe(informers);
  const deliver = (collection: string, object: KubernetesObject) =>
    handlers.get(collection)?.('ADDED', object);
  return { requests, signals, deliver };
}

describe('the watcher’s informers', () => {
  it('watch every namespaced kind in each namespace given, and only cluster-scoped ones cluster-wide', () => {
    const { requests } = watchWith(namespaced, { namespaces: ['a', 'b'], labelSelector: 'shard=1' });
    expect(requests.map((r) => `${r.kind.plural} ${r.namespace ?? '*'} ${r.labelSelector ?? ''}`)).toEqual([
      'things a shard=1',
      'configmaps a ',
      'things b shard=1',
      'configmaps b ',
      'secrets a ',
      'secrets b ',
      'nodes * ',
    ]);
  });

  it('signal an owner only when the watcher knows it: in its namespaces and matching its label selector', () => {
    const kind = kindOf('Namespaced');
    const { signals, deliver } = watchWith(namespaced, { namespaces: ['a'], labelSelector: 'shard=1' });
    const child = (owner: string): KubernetesObject => ({
      metadata: {
        name: `${owner}-child`,
        namespace: 'a',
        ownerReferences: [
          { apiVersion: kind.apiVersion, kind: kind.kind, name: owner, uid: owner, controller: true },
        ],
      },
    });
    deliver('things/a', {
      metadata: { name: 'selected', namespace: 'a', uid: 'u' },
      spec: {},
    } as KubernetesObject);
    deliver('configmaps/a', child('selected'));
    deliver('configmaps/a', child('not-selected'));
    expect(signals).toEqual(['selected', 'selected']);
  });
});
