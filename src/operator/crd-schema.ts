import { z } from 'zod';
import { UnsupportedSchemaError } from './errors.js';

/** A JSON-schema node as used in a CRD's `openAPIV3Schema`. */
export type JsonSchema = { [key: string]: unknown };

const UNSUPPORTED = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'patternProperties', 'if', 'then', 'else'];
const DROPPED = ['$schema', '$id', 'id', '$defs', 'definitions'];

/**
 * Converts a zod schema to a Kubernetes structural schema (OpenAPI 3.0 subset): objects, arrays, records, strings,
 * numbers, integers, booleans, enums, nullables, defaults, bounds, patterns and descriptions.
 *
 * Defaults are taken from the schema's input side, so the API server fills them in as zod would.
 *
 * @throws {UnsupportedSchemaError} naming the path of a union, intersection or other construct a CRD cannot hold.
 */
export function toStructuralSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
  }) as JsonSchema;
  return sanitize(raw, '');
}

function sanitize(node: JsonSchema, path: string): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (UNSUPPORTED.includes(key)) throw new UnsupportedSchemaError(path, key);
    if (DROPPED.includes(key)) continue;
    if (key === 'additionalProperties' && value === false) continue;
    out[key] = sanitizeChild(key, value, path);
  }
  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] === undefined) {
    throw new UnsupportedSchemaError(path, 'a value without a single type (z.any, z.unknown or a union)');
  }
  return out;
}

function sanitizeChild(key: string, value: unknown, path: string): unknown {
  if (key === 'properties' && isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, child]) => [name, sanitize(child as JsonSchema, `${path}.${name}`)]),
    );
  }
  if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
    return sanitize(value, `${path}${key === 'items' ? '[]' : '.*'}`);
  }
  return value;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
