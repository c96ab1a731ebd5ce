import { createPayloadCodec } from '../codec/data-converter.js';
import { loadCodecKeys } from '../codec/keys.js';
import { loadKubeEndpoint } from '../runtime/kube-endpoint.js';
import type { KubeEndpoint } from '../runtime/kube-http.js';
import { type TemporalSettings, TemporalSettingsSchema } from '../runtime/temporal-connection.js';
import { flagOrEnv } from './parse.js';

export {
  connectClient,
  connectWorker,
  explainAccessDenied,
  type TemporalSettings,
  TemporalSettingsSchema,
} from '../runtime/temporal-connection.js';

/**
 * Reads Temporal settings from flags (first) and TEMPORAL_* environment variables, and the codec keys from
 * `--codec-key-file`, `STAIRCASE_CODEC_KEY_FILE` or `STAIRCASE_CODEC_KEYS` (payloads are encrypted when given).
 *
 * @throws {z.ZodError} on invalid settings; `InvalidCodecKeysError` naming the key source and the problem.
 */
export function temporalSettings(
  flags: Readonly<Record<string, string | boolean | readonly string[] | undefined>>,
  env: NodeJS.ProcessEnv,
): TemporalSettings {
  const pick = (flag: string, variable: string) => flagOrEnv(flags, flag, env, variable);
  const raw = {
    address: pick('temporal-address', 'TEMPORAL_ADDRESS'),
    namespace: pick('temporal-namespace', 'TEMPORAL_NAMESPACE'),
    tlsCert: pick('tls-cert', 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
    tlsKey: pick('tls-key', 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
    tlsCa: pick('tls-ca', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
    tlsServerName: pick('tls-server-name', 'TEMPORAL_TLS_SERVER_NAME'),
    apiKey: pick('api-key', 'TEMPORAL_API_KEY'),
  };
  const settings = TemporalSettingsSchema.parse(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
  );
  const keys = loadCodecKeys({ file: pick('codec-key-file', 'STAIRCASE_CODEC_KEY_FILE'), env });
  return keys ? { ...settings, codec: createPayloadCodec(keys) } : settings;
}

/**
 * The Kubernetes identity of a production process: the kubeconfig file when given, else in-cluster. Lean (no
 * client-node) where the kubeconfig allows; a worker's step that reads `kube.config` gets client-node's from it.
 */
export function kubeEndpointFrom(kubeconfig: string | undefined): Promise<KubeEndpoint> {
  return loadKubeEndpoint({ file: kubeconfig, fallback: 'in-cluster' });
}
