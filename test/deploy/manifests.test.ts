import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { generatedManifests } from '../../scripts/generate-manifests.js';
import { adminKubeConfig } from '../support/kube.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the Kubernetes manifests in deploy/kubernetes', () => {
  it('carry the CRD and RBAC as generated from the current code (run `npm run manifests:generate` when this fails)', async () => {
    for (const [path, text] of Object.entries(generatedManifests())) {
      expect(await readFile(`${root}${path}`, 'utf8'), path).toBe(text);
    }
  });

  it('are all accepted by kube-apiserver in a server-side dry run of the example overlay', async () => {
    // Namespaced objects are only validated in a namespace that exists; a dry run does not create it.
    await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'staircase' } } })
      .catch((error: { code?: number }) => {
        if (error.code !== 409) throw error;
      });
    const kubectl = inject('binaries').kubectl as string;
    const args = [
      'apply',
      '--server-side',
      '--dry-run=server',
      '--force-conflicts',
      '-k',
      `${root}deploy/kubernetes/overlays/example`,
    ];
    const { stdout } = await promisify(execFile)(kubectl, [
      ...args,
      '--kubeconfig',
      inject('kube').adminKubeconfigPath,
    ]);
    const applied = stdout.trim().split('\n');
    expect(
      applied.every((line) => line.endsWith('serverside-applied (server dry run)')),
      stdout,
    ).toBe(true);
    for (const kind of [
      'customresourcedefinition',
      'clusterrole',
      'rolebinding',
      'deployment',
      'poddisruptionbudget',
      'secret',
    ]) {
      expect(
        applied.some((line) => line.startsWith(`${kind}.`) || line.startsWith(`${kind}/`)),
        kind,
      ).toBe(true);
    }
    expect(applied).toHaveLength(15);
  });

  it('run the watcher as the image’s entry point with small-heap Node flags that Node accepts, as compose does', async () => {
    const dockerfile = await readFile(`${root}Dockerfile`, 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    const manifest = parse(await readFile(`${root}deploy/kubernetes/base/watcher.yaml`, 'utf8'));
    const command: string[] = manifest.spec.template.spec.containers[0].command;
    const flags = command.slice(1, -1);
    expect(flags.length).toBeGreaterThan(0);
    expect(command).toEqual([entrypoint[0], ...flags, ...entrypoint.slice(1)]);
    const compose = parse(await readFile(`${root}docker-compose.yml`, 'utf8'));
    expect(compose.services.watcher.entrypoint).toEqual(command);
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '-p', '"accepted"']);
    expect(stdout.trim()).toBe('accepted');
  });
});
