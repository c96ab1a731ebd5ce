import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { statusMessageOf } from '../core/kube-status.js';
import type { ResourceRef } from '../core/resource-ref.js';
import { displayName } from '../core/resource-ref.js';
import { waitFor } from '../devenv/wait.js';
import type { DevHooks } from '../operator/operator.js';
import type { ResourceKind } from '../operator/resource-kind.js';
import type { LoadedOperators } from './load-operator.js';

/** Answers of a warming-up or busy API server that heal by waiting. */
const TRANSIENT = new Set([404, 429, 500, 502, 503, 504]);

/** The API server refused one of the operator's `dev` samples (its spec violates the CRD, say). */
export class SampleRejectedError extends Error {
  override readonly name = 'SampleRejectedError';
  constructor(
    readonly sample: string,
    readonly statusCode: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the API server rejected the sample ${sample} (HTTP ${statusCode}): ${reason}`, options);
  }
}

/**
 * Applies the `dev` samples of each operator module with server-side apply (field manager `staircase-dev`), sent as
 * written; a sample without a `kind` is of its module's first operator's kind. Waits quietly while the API server is
 * busy (429, 5xx).
 *
 * @throws {SampleRejectedError} when the API server refuses a sample for good.
 */
export async function applySamples(
  kube: KubeConfig,
  dev: LoadedOperators['dev'],
  log: (line: string) => void,
): Promise<ResourceRef[]> {
  const refs: ResourceRef[] = [];
  for (const { operator, hooks } of dev) {
    for (const sample of hooks.samples) {
      const ref = await applySample(kube, sample.kind ?? operator.kind, sample);
      refs.push(ref);
      log(`[setup] applied ${ref.kind} ${displayName(ref)}`);
    }
  }
  return refs;
}

async function applySample(
  kube: KubeConfig,
  kind: ResourceKind,
  sample: DevHooks['samples'][number],
): Promise<ResourceRef> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const asApply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const namespace = kind.scope === 'Namespaced' ? (sample.namespace ?? 'default') : undefined;
  const ref = kind.ref(sample.name, namespace);
  const body = {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    metadata: { name: sample.name, ...(namespace ? { namespace } : {}) },
    spec: sample.spec,
  };
  const target = { group: kind.group, version: kind.version, plural: kind.plural, name: sample.name, body };
  const request = { ...target, fieldManager: 'staircase-dev', force: true };
  await untilAccepted(`${kind.kind} ${displayName(ref)}`, () =>
    namespace
      ? api.patchNamespacedCustomObject({ ...request, namespace }, asApply)
      : api.patchClusterCustomObject(request, asApply),
  );
  return ref;
}

async function untilAccepted(sample: string, apply: () => Promise<unknown>): Promise<void> {
  const outcome = await waitFor(
    async () => {
      try {
        await apply();
        return 'applied';
      } catch (error) {
        if (error instanceof ApiException && !TRANSIENT.has(error.code))
          return new SampleRejectedError(sample, error.code, statusMessageOf(error.body), { cause: error });
        throw error;
      }
    },
    { what: `the API server to accept the sample ${sample}`, timeoutMs: 60_000, intervalMs: 250 },
  );
  if (outcome instanceof Error) throw outcome;
}
