import type { KubernetesObject } from '@kubernetes/client-node';
import { PermanentError } from '../operator/errors.js';

type Serializer = typeof import('@kubernetes/client-node/dist/serializer.js').ObjectSerializer;
type TypeOf = typeof import('@kubernetes/client-node/dist/util.js').getSerializationType;

let loaded: Promise<{ serializer: Serializer; typeOf: TypeOf }> | undefined;

/**
 * The installed client-node does not let its model serializer be imported on its own (written for 2.0.x, whose
 * package has no `exports` map): permanent until client-node is pinned or this module updated.
 */
export class ModelSerializerUnavailableError extends PermanentError {
  override readonly name = 'ModelSerializerUnavailableError';
  constructor(cause: unknown) {
    super(
      `cannot load @kubernetes/client-node's model serializer (dist/serializer.js, dist/util.js): ${(cause as Error).message}`,
      'ClientNodeUnsupported',
      { cause },
    );
  }
}

/**
 * client-node's model serializer alone (≈6 MB of heap, against ≈35 MB for the whole client), loaded on first use.
 * Why: the step client's objects stay what client-node's object API gives and takes — built-in kinds as its typed
 * models (timestamps as `Date`s, fields by their model names), every object's `metadata` as `V1ObjectMeta` — while
 * its requests go over the engine's own HTTP path.
 * @throws {ModelSerializerUnavailableError} when the installed client-node does not allow the deep import.
 */
function models() {
  loaded ??= Promise.all([
    import('@kubernetes/client-node/dist/serializer.js'),
    import('@kubernetes/client-node/dist/util.js'),
  ]).then(
    ([serializer, util]) => ({ serializer: serializer.ObjectSerializer, typeOf: util.getSerializationType }),
    (error: unknown) => {
      throw new ModelSerializerUnavailableError(error);
    },
  );
  return loaded;
}

/** An API server's answer (an object or a list) as client-node's object API returns it. */
export async function fromWire<T>(answer: unknown): Promise<T> {
  const { serializer, typeOf } = await models();
  const { apiVersion, kind } = (answer ?? {}) as KubernetesObject;
  return serializer.deserialize(answer, typeOf(apiVersion, kind)) as T;
}

/** An object to send, as client-node's object API sends it (model names to wire names, `Date`s to strings). */
export async function toWire(object: KubernetesObject): Promise<unknown> {
  const { serializer, typeOf } = await models();
  return serializer.serialize(object, typeOf(object.apiVersion, object.kind));
}
