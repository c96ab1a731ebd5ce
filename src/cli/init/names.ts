import { UsageError } from '../errors.js';

/** The names a new operator project is generated with, all derived from its kind. */
export interface ProjectNames {
  /** npm package and operator name: `website-operator`. */
  readonly project: string;
  /** The operator's short name: `website`. */
  readonly operator: string;
  /** The kind: `Website`. */
  readonly kind: string;
  /** Its plural: `websites`. */
  readonly plural: string;
  /** The API group: `example.com`. */
  readonly group: string;
}

/**
 * Derives the project's names from its kind and group.
 *
 * @throws {UsageError} when the kind is not UpperCamelCase letters and digits, or the group is not a DNS name.
 */
export function projectNames(kind: string, group: string, project?: string): ProjectNames {
  if (!/^[A-Z][A-Za-z0-9]{0,62}$/.test(kind))
    throw new UsageError(`--kind "${kind}" must be UpperCamelCase letters and digits, e.g. Website`);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(group))
    throw new UsageError(`--group "${group}" must be a DNS name with a dot, e.g. example.com`);
  const operator = kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  const lower = kind.toLowerCase();
  const plural = /(s|x|z|ch|sh)$/.test(lower)
    ? `${lower}es`
    : /[^aeiou]y$/.test(lower)
      ? `${lower.slice(0, -1)}ies`
      : `${lower}s`;
  return { project: project ?? `${operator}-operator`, operator, kind, plural, group };
}
