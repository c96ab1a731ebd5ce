import { canonicalJson } from './canonical-json.js';

/**
 * The paths at which two JSON values differ (`spec.replicas`, `data.index.html`, `spec.ports[0]`), depth first;
 * empty when they are equal. Object key order does not matter; array order does.
 */
export function jsonDifferences(before: unknown, after: unknown, path = ''): string[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => jsonDifferences(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => jsonDifferences(item, after[i], `${path}[${i}]`));
  }
  return [path || '<root>'];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
