/**
 * The example operator: a `Website` becomes a ConfigMap with its content, a Deployment serving it, a Service, and a
 * DNS record at an external provider. `staircase dev` runs it against the embedded servers.
 *
 * The DNS provider's address comes from `WEBSITE_DNS_URL` (default `http://127.0.0.1:8053`); `staircase dev` starts
 * a provider through the `dev` hooks below and sets it.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import {
  childStep,
  type DevHooks,
  defineOperator,
  needsFix,
  passes,
  planFor,
  type StepContext,
  statusStep,
  stepFor,
  waitFor,
} from 'staircase-temporal';
import { childNames, desiredConfigMap, desiredDeployment, desiredService } from './children.js';
import { type DnsClient, dnsClient } from './dns-client.js';
import { startDnsProvider } from './dns-provider.js';
import { Website } from './kind.js';
import { SAMPLE_WEBSITES } from './samples.js';

export { Website } from './kind.js';

type Context = StepContext<typeof Website>;
const step = stepFor(Website);

// The children, declared as data: each step applies its object when the live one differs in a field it states.
const ensureConfigMap = childStep(Website, {
  name: 'configmap',
  desired: ({ resource }) => desiredConfigMap(resource),
});
const ensureDeployment = childStep(Website, {
  name: 'deployment',
  desired: ({ resource }) => desiredDeployment(resource),
});
const ensureService = childStep(Website, {
  name: 'service',
  desired: ({ resource }) => desiredService(resource),
});

const target = (context: Context) =>
  `${childNames(context.resource).service}.${context.resource.metadata.namespace ?? 'default'}.svc.cluster.local`;

/** Step 1 of the existence-check pattern: place the record only if none exists for this Website. */
function ensureDnsRecord(dns: DnsClient) {
  return step({
    name: 'dns-record',
    async check(context) {
      const [record, ...extra] = await dns.recordsOf(context.resource.metadata.uid);
      if (!record) return needsFix(`no DNS record for ${context.resource.spec.hostname}`);
      if (extra.length > 0 || record.hostname !== context.resource.spec.hostname)
        return needsFix('the DNS record is stale');
      return passes(record.id);
    },
    async apply(context) {
      const owner = context.resource.metadata.uid;
      // Replace stale records (hostname changed); creating is safe to repeat: one record per owner.
      for (const stale of await dns.recordsOf(owner)) {
        if (stale.hostname !== context.resource.spec.hostname) await dns.remove(stale.id);
      }
      const record = await dns.create({
        hostname: context.resource.spec.hostname,
        target: target(context),
        owner,
      });
      return { message: `DNS record ${record.id} for ${record.hostname}` };
    },
    // Provider calls are quick; a worker that dies mid-call is noticed after this long, and the retry is safe.
    applyPolicy: { timeoutMs: 10_000 },
  });
}

/** Step 2 of the existence-check pattern: record the existing record on the resource (status later steps read). */
const recordDnsOnStatus = statusStep(Website, {
  name: 'dns-status',
  desired: ({ resource, input }: { resource: Context['resource']; input: string }) => ({
    dnsRecordId: input,
    url: `http://${resource.spec.hostname}/`,
  }),
});

const deploymentAvailable = step({
  name: 'available',
  async check(context) {
    const { name } = desiredDeployment(context.resource).metadata ?? {};
    const current = await context.kube.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: name ?? '',
    });
    const available = current?.status?.availableReplicas ?? 0;
    const wanted = context.resource.spec.replicas;
    return available >= wanted && current?.status?.observedGeneration === current?.metadata?.generation
      ? passes()
      : waitFor(`${available} of ${wanted} replicas available`, 30_000);
  },
});

function deleteDnsRecords(dns: DnsClient) {
  return step({
    name: 'delete-dns-record',
    async check(context) {
      const records = await dns.recordsOf(context.resource.metadata.uid);
      return records.length === 0 ? passes() : needsFix(`${records.length} DNS record(s) left`);
    },
    async apply(context) {
      for (const record of await dns.recordsOf(context.resource.metadata.uid)) await dns.remove(record.id);
      return { message: 'deleted the DNS record' };
    },
  });
}

/** The website operator talking to the DNS provider at `dnsUrl()`. */
export function websiteOperator(dnsUrl: () => string) {
  const dns = dnsClient(dnsUrl);
  return defineOperator({
    name: 'website',
    kind: Website,
    plan: () =>
      planFor(Website)
        .step(ensureConfigMap)
        .step(ensureDeployment)
        .step(ensureService)
        .step(ensureDnsRecord(dns))
        .step(recordDnsOnStatus)
        .step(deploymentAvailable)
        .build(),
    cleanup: () => planFor(Website).step(deleteDnsRecords(dns)).build(),
    owns: [
      { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
      { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
      { apiVersion: 'v1', kind: 'Service', plural: 'services' },
    ],
    options: { loop: { minModifyDelayMs: 200 } },
  });
}

export default websiteOperator(() => process.env.WEBSITE_DNS_URL ?? 'http://127.0.0.1:8053');

/** What `staircase dev` needs besides the operator: sample resources and the DNS provider. */
export const dev: DevHooks = {
  samples: SAMPLE_WEBSITES.map((sample) => ({ name: sample.name, spec: { ...sample.spec } })),
  async startServices() {
    const provider = await startDnsProvider({ latencyMs: 20 });
    process.env.WEBSITE_DNS_URL = provider.url;
    return { description: `DNS provider at ${provider.url}`, stop: () => provider.stop() };
  },
};
