/**
 * Identifies one custom resource: which kind, and which object. Plain data, safe in workflow code and payloads.
 */
export interface ResourceRef {
  /** API group of the kind, e.g. `example.staircase.dev`. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  /** Absent for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly name: string;
}

/**
 * The Temporal workflow ID of a resource's control loop: `<plural>.<group>/<namespace>/<name>`, or
 * `<plural>.<group>/<name>` for cluster-scoped kinds. Readable by a person, and unambiguous because Kubernetes
 * names and namespaces never contain `/`.
 *
 * Guarantees: the same resource always maps to the same ID, so the watcher's `signalWithStart` reuses the running
 * workflow instead of starting a second one. A resource deleted and recreated with the same name maps to the same
 * ID; the workflow tells the two apart by `metadata.uid`.
 */
export function workflowIdFor(ref: ResourceRef): string {
  const kind = `${ref.plural}.${ref.group}`;
  return ref.namespace ? `${kind}/${ref.namespace}/${ref.name}` : `${kind}/${ref.name}`;
}

/** `namespace/name`, or `name` for cluster-scoped resources: how people refer to an object. */
export function displayName(ref: Pick<ResourceRef, 'namespace' | 'name'>): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}
