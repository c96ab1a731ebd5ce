import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { flagOrEnv } from './parse.js';

/** How to reach Temporal: flags override environment variables. */
export const TemporalSettingsSchema = z
  .object({
    address: z.string().min(1).default('localhost:7233'),
    namespace: z.string().min(1).default('default'),
    /** mTLS: client certificate and key files (both or neither), and optionally the server CA. */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    tlsCa: z.string().min(1).optional(),
    tlsServerName: z.string().min(1).optional(),
    /** Temporal Cloud API key (implies TLS). */
    apiKey: z.string().min(1).optional(),
  })
  .refine((s) => Boolean(s.tlsCert) === Boolean(s.tlsKey), {
    message: 'give both --tls-cert and --tls-key, or neither',
  });

/** Validated Temporal settings. */
export type TemporalSettings = z.output<typeof TemporalSettingsSchema>;

/** Reads Temporal settings from flags (first) and TEMPORAL_* environment variables. */
export function temporalSettings(
  flags: Readonly<Record<string, string | boolean | undefined>>,
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
  return TemporalSettingsSchema.parse(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
  );
}

function connectionOptions(settings: TemporalSettings): ConnectionOptions {
  const tls =
    settings.tlsCert || settings.apiKey || settings.tlsCa
      ? {
          ...(settings.tlsCert && settings.tlsKey
            ? { clientCertPair: { crt: readFileSync(settings.tlsCert), key: readFileSync(settings.tlsKey) } }
            : {}),
          ...(settings.tlsCa ? { serverRootCACertificate: readFileSync(settings.tlsCa) } : {}),
          ...(settings.tlsServerName ? { serverNameOverride: settings.tlsServerName } : {}),
        }
      : undefined;
  return {
    address: settings.address,
    ...(tls ? { tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  };
}

/** A Temporal client for `settings`. */
export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(settings)).catch((error: unknown) => {
    throw unreachable(settings, error);
  });
  return new Client({ connection, namespace: settings.namespace });
}

/** A worker connection for `settings`. */
export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(
      connectionOptions(settings) as Parameters<typeof NativeConnection.connect>[0],
    );
  } catch (error) {
    throw unreachable(settings, error);
  }
}

function unreachable(settings: TemporalSettings, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`cannot reach Temporal at ${settings.address}: ${reason}`, { cause: error });
}

/** The Kubernetes client configuration: the kubeconfig file (and context) when given, else in-cluster. */
export function kubeConfigFrom(kubeconfig: string | undefined, context?: string): KubeConfig {
  const kube = new KubeConfig();
  if (kubeconfig) kube.loadFromFile(kubeconfig);
  else kube.loadFromCluster();
  if (context) kube.setCurrentContext(context);
  return kube;
}
