import { fileURLToPath } from 'node:url';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { loadOperatorModule, loadOperators, taskQueueFlag } from '../../src/cli/load-operator.js';
import { defineOperator, type OperatorDefinition } from '../../src/operator/operator.js';
import { checkOperatorSet, OperatorSetError } from '../../src/operator/operator-set.js';
import { planFor } from '../../src/operator/plan.js';
import { rbacManifests, watcherRules, workerRules } from '../../src/operator/rbac.js';
import type { ResourceOf } from '../../src/operator/resource-kind.js';
import { KindInformers } from '../../src/watcher/kind-informers.js';
import { relatedChange, relatedFingerprint } from '../../src/watcher/predicates.js';
import { mapRelated, RelatedMapError, targetRef } from '../../src/watcher/related.js';
import { Bell, bellOperator, Lamp, lampOperator, lampsNaming } from '../runtime/fixtures/fleet.js';

const fixture = (name: string) => fileURLToPath(new URL(`../runtime/fixtures/${name}`, import.meta.url));

const lamp = (namespace: string, name: string, secretName?: string): ResourceOf<typeof Lamp> => ({
  apiVersion: Lamp.apiVersion,
  kind: Lamp.kind,
  metadata: { namespace, name, uid: `${namespace}-${name}` },
  spec: { mode: 'ok', ...(secretName ? { secretName } : {}) },
});
const secret = (namespace: string, name: string, extra: Record<string, unknown> = {}): KubernetesObject =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace, name, uid: 'u1' },
    ...extra,
  }) as KubernetesObject;

const lamps = [
  lamp('a', 'one', 's1'),
  lamp('a', 'two', 's1'),
  lamp('a', 'three', 's2'),
  lamp('b', 'four', 's1'),
];
const view = (known = lamps) => ({
  kind: Lamp,
  resources: () => known,
  knows: (id: string) => known.some((l) => id.endsWith(`/${l.metadata.namespace}/${l.metadata.name}`)),
});
const watch = lampOperator.watches?.[0];
if (!watch) throw new Error('the lamp operator watches Secrets');

describe('mapping a related object to resources', () => {
  it('finds the resources that refer to the object through the cached resources, as controller-runtime mappers do', () => {
    expect(lampsNaming(secret('a', 's1'), lamps)).toEqual(['one', 'two']);
    const refs = mapRelated(watch, secret('a', 's1'), view());
    expect(refs.map((r) => `${r.namespace}/${r.name}`)).toEqual(['a/one', 'a/two']);
    expect(refs[0]).toMatchObject({ group: Lamp.group, kind: 'Lamp', plural: 'lamps' });
  });

  it.each([
    ['a bare name: the object namespace', 'x', 'ns', { name: 'x', namespace: 'ns' }],
    ['a name and namespace', { name: 'x', namespace: 'other' }, 'ns', { name: 'x', namespace: 'other' }],
    ['a full ResourceRef', Lamp.ref('x', 'other'), 'ns', { name: 'x', namespace: 'other' }],
  ] as const)('turns %s into a reference', (_what, target, namespace, expected) => {
    expect(targetRef(Lamp, target, namespace)).toMatchObject(expected);
  });

  it('drops targets the watcher does not know and duplicates', () => {
    const naming = { ...watch, map: () => ['one', 'one', 'ghost'] };
    expect(mapRelated(naming, secret('a', 's'), view()).map((r) => r.name)).toEqual(['one']);
  });

  it('wraps a throwing or malformed mapper in RelatedMapError naming the kind and object', () => {
    const throwing = {
      ...watch,
      map: () => {
        throw new Error('boom');
      },
    };
    expect(() => mapRelated(throwing, secret('a', 's'), view())).toThrow(RelatedMapError);
    expect(() => mapRelated(throwing, secret('a', 's'), view())).toThrow(
      'map of watched kind Secret failed for a/s',
    );
    const malformed = { ...watch, map: () => 'one' as unknown as string[] };
    expect(() => mapRelated(malformed, secret('a', 's'), view())).toThrow(RelatedMapError);
  });
});

describe('relatedChange', () => {
  const options = { labels: true, annotations: false };
  const print = (extra: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
    relatedFingerprint({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', uid: 'u', resourceVersion: '1', ...metadata },
      ...extra,
    } as KubernetesObject);
  it.each([
    ['new data', print({ data: { a: 'MQ==' } }), print({ data: { a: 'Mg==' } }), 'changed'],
    [
      'a new status (a referenced resource became ready)',
      print({}),
      print({ status: { ready: true } }),
      'changed',
    ],
    ['a replacement', print({}), print({}, { uid: 'v' }), 'replaced'],
    ['a deletion request', print({}), print({}, { deletionTimestamp: 'now' }), 'deletion requested'],
    ['a label change', print({}), print({}, { labels: { a: 'b' } }), 'labels changed'],
    ['only an annotation (ignored by default)', print({}), print({}, { annotations: { a: 'b' } }), undefined],
    [
      'only resourceVersion and managedFields',
      print({}),
      print({}, { resourceVersion: '9', managedFields: [{}] }),
      undefined,
    ],
  ])('%s → %s', (_what, before, after, expected) => {
    expect(relatedChange(before, after, options)).toBe(expected);
  });
});

describe('several operators in one process', () => {
  const twin = (changes: Partial<OperatorDefinition>): OperatorDefinition =>
    ({ ...(bellOperator as OperatorDefinition), ...changes }) as OperatorDefinition;
  it('accepts distinct names, kinds and task queues', () => {
    expect(checkOperatorSet([lampOperator, bellOperator] as OperatorDefinition[])).toHaveLength(2);
  });
  it.each([
    ['name', twin({ kind: Lamp as never, name: 'bells' }), 'name'],
    ['kind', twin({ name: 'other' }), 'kind'],
    [
      'task queue',
      twin({ name: 'other', kind: Lamp as never, options: { taskQueue: 'staircase-bells' } }),
      'task queue',
    ],
  ])('refuses two operators with the same %s', (_what, other, clash) => {
    const attempt = () => checkOperatorSet([bellOperator as OperatorDefinition, other]);
    expect(attempt).toThrow(OperatorSetError);
    expect(attempt).toThrow(`have the same ${clash}`);
  });

  it('loads a module whose default export is an array of operators, and several modules', async () => {
    expect((await loadOperatorModule(fixture('fleet-operators.ts'))).operators.map((o) => o.name)).toEqual([
      'lamps',
      'bells',
    ]);
    const loaded = await loadOperators([fixture('lamp-operator.ts'), fixture('bell-operator.ts')]);
    expect(loaded.operators.map((o) => o.kind.kind)).toEqual(['Lamp', 'Bell']);
  });

  it('refuses anything else with a one-line reason naming the convention', async () => {
    await expect(loadOperatorModule(fixture('not-operators.ts'))).rejects.toThrow(
      /element 1 of the default export of .*not-operators\.ts is not an operator; export default defineOperator\(\{ … \}\), or export default \[operatorA, operatorB\]/,
    );
    await expect(loadOperators([fixture('fleet-operators.ts'), fixture('bell-operator.ts')])).rejects.toThrow(
      UsageError,
    );
    expect(() => taskQueueFlag('q', [lampOperator, bellOperator] as OperatorDefinition[])).toThrow(
      '--task-queue names one queue, but there are several operators',
    );
  });
});

describe('KindInformers', () => {
  it('watches a collection once however many operators subscribe to it, telling label selectors apart', () => {
    const timing = { silentTimeoutMs: 1_000, relistIntervalMs: 1_000, restartInitialMs: 1, restartMaxMs: 1 };
    const hooks = { log: { info() {}, warn() {}, error() {} }, onRestart() {} };
    const informers = new KindInformers(new KubeConfig(), timing, hooks);
    const secrets = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' };
    informers.subscribe({ kind: secrets, namespace: 'a' }, () => {});
    informers.subscribe({ kind: secrets, namespace: 'a' }, () => {});
    expect(informers.size).toBe(1);
    informers.subscribe({ kind: secrets, namespace: 'b' }, () => {});
    informers.subscribe({ kind: secrets, namespace: 'a', labelSelector: 'x=y' }, () => {});
    informers.subscribe({ kind: secrets }, () => {});
    expect(informers.size).toBe(4);
  });
});

describe('RBAC for related kinds', () => {
  it('lets the watcher and the worker get, list and watch the watched kind', () => {
    const secrets = { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] };
    expect(watcherRules(lampOperator as OperatorDefinition)).toContainEqual(secrets);
    expect(workerRules(lampOperator as OperatorDefinition)).toContainEqual(secrets);
  });

  it('gives several operators one set of accounts with every operator’s rules', () => {
    const manifests = rbacManifests([lampOperator, bellOperator] as OperatorDefinition[], {
      namespace: 'ops',
    });
    const watcherRole = manifests.find(
      (m) =>
        m.kind === 'ClusterRole' && (m.metadata as { name: string }).name === 'staircase-lamps-bells-watcher',
    ) as { rules: { resources: string[] }[] };
    expect(watcherRole.rules.flatMap((r) => r.resources)).toEqual(['lamps', 'secrets', 'bells']);
  });
});

it('defines the fixture operators with distinct kinds', () => {
  expect(defineOperator(bellOperator).kind).toBe(Bell);
  expect(planFor(Bell).build().items).toEqual([]);
});
