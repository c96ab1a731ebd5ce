import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { statusMessageOf } from '../core/kube-status.js';
import { waitFor } from './wait.js';

/**
 * The parts of a CustomResourceDefinition the installer reads. Any CRD object fits, typed (client-node's
 * `V1CustomResourceDefinition`) or plain JSON as `staircase crd` prints it.
 */
export interface CrdObject {
  readonly metadata?: { readonly name?: string };
  readonly spec: {
    readonly group: string;
    readonly names: { readonly plural: string };
    readonly versions: ReadonlyArray<{ readonly name: string; readonly served?: boolean }>;
  };
}

/** Options of {@link installCrd}. */
export interface InstallCrdOptions {
  /** Server-side apply field manager; default `staircase`. */
  readonly fieldManager?: string;
  /** How long to wait for the API server to accept the CRD and serve its resource; default 60 s. */
  readonly timeoutMs?: number;
}

/** The API server refused the CRD itself (an invalid schema, or no permission to install CRDs). */
export class CrdRejectedError extends Error {
  override readonly name = 'CrdRejectedError';
  constructor(
    readonly crdName: string,
    readonly statusCode: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the API server rejected the CRD ${crdName} (HTTP ${statusCode}): ${reason}`, options);
  }
}

/** Answers a warming-up API server gives that heal by waiting (too many requests, not found yet, 5xx). */
const TRANSIENT_CODES = new Set([404, 409, 429, 500, 502, 503, 504]);

/**
 * Installs (or updates) a CustomResourceDefinition exactly as given, and waits until its resource is served.
 *
 * Guarantees: the object is sent as raw JSON with server-side apply (field manager `staircase`, forced), so every
 * schema key reaches the API server — `enum`, `default` and `x-kubernetes-*` included, which client-node's typed
 * serializer would drop. The installed validation is therefore the one `staircase crd` prints. Resolves only once
 * the CRD is Established *and* its resource can be listed: right after Established, a busy API server may still
 * answer 404 for the new resource, which would stop an informer.
 *
 * Caveats: answers that heal by waiting (429, 5xx, connection errors) are retried quietly until the timeout.
 *
 * @throws {CrdRejectedError} when the API server refuses the CRD (4xx other than 404, 409 and 429).
 * @throws {WaitTimeoutError} when the CRD is not served in time.
 */
export async function installCrd(
  kube: KubeConfig,
  crd: CrdObject,
  options: InstallCrdOptions = {},
): Promise<void> {
  const name = crd.metadata?.name;
  if (!name) throw new TypeError('the CRD has no metadata.name');
  const timeoutMs = options.timeoutMs ?? 60_000;
  await applyCrd(kube, name, crd, options.fieldManager ?? 'staircase', timeoutMs);
  await waitUntilServed(kube, name, crd, timeoutMs);
}

async function applyCrd(
  kube: KubeConfig,
  name: string,
  crd: CrdObject,
  fieldManager: string,
  timeoutMs: number,
): Promise<void> {
  const api = kube.makeApiClient(ApiextensionsV1Api);
  // The generated client sends a patch body untouched (its type is `any`); the header makes it an apply.
  const asApply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const outcome = await waitFor(
    async () => {
      try {
        await api.patchCustomResourceDefinition({ name, body: crd, fieldManager, force: true }, asApply);
        return 'applied';
      } catch (error) {
        if (error instanceof ApiException && !TRANSIENT_CODES.has(error.code)) {
          return new CrdRejectedError(name, error.code, statusMessageOf(error.body), { cause: error });
        }
        throw error;
      }
    },
    { what: `the API server to accept the CRD ${name}`, timeoutMs, intervalMs: 250 },
  );
  if (outcome instanceof Error) throw outcome;
}

async function waitUntilServed(kube: KubeConfig, name: string, crd: CrdObject, timeoutMs: number) {
  const api = kube.makeApiClient(ApiextensionsV1Api);
  const custom = kube.makeApiClient(CustomObjectsApi);
  const version = (crd.spec.versions.find((v) => v.served !== false) ?? crd.spec.versions[0])?.name ?? '';
  await waitFor(
    async () => {
      const current = await api.readCustomResourceDefinition({ name });
      const established = current.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (!established) return undefined;
      await custom.listClusterCustomObject({ group: crd.spec.group, version, plural: crd.spec.names.plural });
      return true;
    },
    { what: `the CRD ${name} to be Established and served`, timeoutMs, intervalMs: 100 },
  );
}
