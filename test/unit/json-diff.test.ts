import { describe, expect, it } from 'vitest';
import { jsonDifferences } from '../../src/core/json-diff.js';

describe('jsonDifferences', () => {
  it.each([
    ['equal objects, keys in another order', { a: 1, b: { c: 2 } }, { b: { c: 2 }, a: 1 }, []],
    ['a changed leaf', { spec: { replicas: 1 } }, { spec: { replicas: 2 } }, ['spec.replicas']],
    ['a key only on one side', { data: { a: '1' } }, { data: { a: '1', b: '2' } }, ['data.b']],
    [
      'an array item',
      { ports: [{ port: 80 }, { port: 81 }] },
      { ports: [{ port: 80 }, { port: 82 }] },
      ['ports[1].port'],
    ],
    ['arrays of different length', { items: [1] }, { items: [1, 2] }, ['items']],
    ['a type change', { a: '1' }, { a: 1 }, ['a']],
    ['different roots', 1, 2, ['<root>']],
  ])('%s', (_case, before, after, paths) => {
    expect(jsonDifferences(before, after)).toEqual(paths);
  });
});
