import { describe, expect, it } from 'vitest';
import { SettledChildren, settledKeyOf } from '../../src/operator/settled-children.js';

const owner = (uid: string) => ({ metadata: { uid } });
const desired = (name: string, data = 'x') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { data },
});
const at = (resourceVersion: string) => ({ metadata: { resourceVersion } });

describe('SettledChildren', () => {
  it('knows a child only at the version remembered, for the same owner and the same desired object', () => {
    const settled = new SettledChildren();
    settled.remember(settledKeyOf(owner('a'), desired('c')), at('7'));
    expect(settled.has(settledKeyOf(owner('a'), desired('c')), at('7'))).toBe(true);
    expect(settled.has(settledKeyOf(owner('a'), desired('c')), at('8'))).toBe(false);
    expect(settled.has(settledKeyOf(owner('b'), desired('c')), at('7'))).toBe(false);
    expect(settled.has(settledKeyOf(owner('a'), desired('c', 'y')), at('7'))).toBe(false);
    // Key order does not make another desired object.
    const reordered = { data: { data: 'x' }, metadata: { name: 'c' }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(settled.has(settledKeyOf(owner('a'), reordered), at('7'))).toBe(true);
  });

  it('forgets the least recently used child beyond its limit', () => {
    const settled = new SettledChildren(2);
    settled.remember(settledKeyOf(owner('a'), desired('one')), at('1'));
    settled.remember(settledKeyOf(owner('a'), desired('two')), at('2'));
    expect(settled.has(settledKeyOf(owner('a'), desired('one')), at('1'))).toBe(true);
    settled.remember(settledKeyOf(owner('a'), desired('three')), at('3'));
    expect(settled.has(settledKeyOf(owner('a'), desired('two')), at('2'))).toBe(false);
    expect(settled.has(settledKeyOf(owner('a'), desired('one')), at('1'))).toBe(true);
    expect(settled.has(settledKeyOf(owner('a'), desired('three')), at('3'))).toBe(true);
  });

  it('does not remember a child without a resourceVersion', () => {
    const settled = new SettledChildren();
    settled.remember(settledKeyOf(owner('a'), desired('c')), { metadata: {} });
    expect(settled.has(settledKeyOf(owner('a'), desired('c')), { metadata: {} })).toBe(false);
  });
});
