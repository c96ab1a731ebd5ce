import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SERVER_COMPONENTS } from '../../src/devenv/components.js';
import { temporalServerConfig } from '../../src/devenv/temporal-server-config.js';
import { temporalClientEnv } from '../support/production-temporal.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly data?: Record<string, string>;
  readonly spec?: {
    template: {
      spec: {
        containers: { volumeMounts?: { name: string; mountPath: string }[] }[];
        volumes?: { name: string; secret?: { secretName: string } }[];
      };
    };
  };
}

/** The objects `kubectl kustomize` renders from an overlay. */
async function kustomize(overlay: string): Promise<Manifest[]> {
  const kubectl = inject('binaries').kubectl as string;
  const { stdout } = await promisify(execFile)(kubectl, [
    'kustomize',
    `${root}deploy/kubernetes/overlays/${overlay}`,
  ]);
  return parseAllDocuments(stdout).map((doc) => doc.toJSON() as Manifest);
}

/** A server configuration as the devenv writes it, for the given services (and API-key checking when `auth`). */
const configFor = (services: readonly string[], auth?: { keySourceUri: string }) =>
  temporalServerConfig({
    ports: Object.fromEntries(
      services.map((s, i) => [s, { grpc: 7233 + i, membership: 6933 + i }]),
    ) as Parameters<typeof temporalServerConfig>[0]['ports'],
    postgres: { host: '127.0.0.1', port: 5432, user: 'temporal' },
    tls: {
      serverCertFile: 'server.crt',
      serverKeyFile: 'server.key',
      caFile: 'ca.crt',
      serverName: 'localhost',
      systemWorkerCertFile: 'worker.crt',
      systemWorkerKeyFile: 'worker.key',
    },
    dynamicConfigFile: 'dynamic.yaml',
    ...(auth ? { auth } : {}),
  });

const sampleConfig = () =>
  configFor(['frontend', 'history', 'matching', 'worker']) as {
    persistence: { datastores: Record<string, { sql: { pluginName: string } }> };
    global: { tls: { frontend: { server: { requireClientAuth: boolean; clientCaFiles: string[] } } } };
  };

describe('the deployment files use the settings the production-topology test runs', () => {
  it('the Temporal server and UI are the versions the Temporal CLI embeds (built from its wrapper module)', async () => {
    const goMod = await readFile(`${root}tools/servers/temporal/go.mod`, 'utf8');
    const required = (module: string) => new RegExp(`^\\s+${module} v(\\S+)`, 'm').exec(goMod)?.[1];
    expect(required('go.temporal.io/server')).toBe(SERVER_COMPONENTS.temporalServer.version);
    expect(required('github.com/temporalio/ui-server/v2')).toBe(SERVER_COMPONENTS.temporalUi.version);
  });

  it('the Temporal server: PostgreSQL through the postgres12 plugin, as docker-compose.yml; clients must present a certificate', async () => {
    const config = sampleConfig();
    const plugins = Object.values(config.persistence.datastores).map((store) => store.sql.pluginName);
    expect(plugins).toEqual(['postgres12', 'postgres12']);
    expect(config.global.tls.frontend.server).toMatchObject({
      requireClientAuth: true,
      clientCaFiles: ['ca.crt'],
    });
    const compose = parse(await readFile(`${root}docker-compose.yml`, 'utf8')) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    expect(compose.services.temporal?.environment?.DB).toBe('postgres12');
  });

  it('the Temporal server with API keys: TLS without client certificates, the default JWT claim mapper and authorizer, and an internal frontend for its own system worker', () => {
    const config = configFor(['frontend', 'history', 'matching', 'worker', 'internal-frontend'], {
      keySourceUri: 'http://127.0.0.1:9999/jwks.json',
    }) as {
      global: { tls: { frontend: { server: { requireClientAuth: boolean } } }; authorization: unknown };
      services: Record<string, unknown>;
      publicClient?: unknown;
    };
    expect(config.global.tls.frontend.server.requireClientAuth).toBe(false);
    expect(config.global.authorization).toEqual({
      jwtKeyProvider: { keySourceURIs: ['http://127.0.0.1:9999/jwks.json'], refreshInterval: '1m' },
      permissionsClaimName: 'permissions',
      authorizer: 'default',
      claimMapper: 'default',
    });
    expect(Object.keys(config.services).sort()).toEqual([
      'frontend',
      'history',
      'internal-frontend',
      'matching',
      'worker',
    ]);
    // The server refuses a publicClient next to an internal frontend: its system worker finds that by membership.
    expect(config.publicClient).toBeUndefined();
  });

  it('the mtls overlay gives the worker and the watcher the TEMPORAL_TLS_* variables the test gives its processes, pointing into the mounted Secret', async () => {
    const objects = await kustomize('mtls');
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'staircase-temporal');
    const env = Object.fromEntries(
      Object.entries(secret?.data ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value, 'base64').toString(),
      ]),
    );
    const tested = temporalClientEnv('address', 'namespace', {
      certFile: 'c',
      keyFile: 'k',
      caFile: 'a',
      serverName: 's',
    });
    expect(Object.keys(env).sort()).toEqual(Object.keys(tested).sort());
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      const pod = deployment.spec?.template.spec;
      const volume = pod?.volumes?.find((v) => v.secret?.secretName === 'staircase-temporal-tls');
      const mount = pod?.containers[0]?.volumeMounts?.find((m) => m.name === volume?.name);
      expect(mount?.mountPath, deployment.metadata.name).toBe('/etc/temporal-tls');
    }
    for (const key of [
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    ])
      expect(env[key], key).toMatch(/^\/etc\/temporal-tls\/(tls\.crt|tls\.key|ca\.crt)$/);
  });
});
