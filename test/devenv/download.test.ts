import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadBinary } from '../../src/devenv/download.js';
import { DownloadError } from '../../src/devenv/errors.js';

const run = promisify(execFile);

describe('downloadBinary (against a loopback HTTP server)', () => {
  let server: Server;
  let base: string;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'download-'));
    await mkdir(join(work, 'etcd-v9-linux-amd64'));
    await writeFile(join(work, 'etcd-v9-linux-amd64', 'etcd'), 'archived binary');
    await run('tar', ['-czf', join(work, 'etcd.tar.gz'), '-C', work, 'etcd-v9-linux-amd64']);
    const archive = await readFile(join(work, 'etcd.tar.gz'));
    server = createServer((req, res) => {
      if (req.url === '/kwok') res.end('plain binary');
      else if (req.url === '/etcd.tar.gz') res.end(archive);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('writes a plain binary as an executable file', async () => {
    const target = join(work, 'out', 'kwok');
    await downloadBinary('kwok', { url: `${base}/kwok` }, target);
    expect(await readFile(target, 'utf8')).toBe('plain binary');
    expect((await stat(target)).mode & 0o111).toBe(0o111);
  });

  it('extracts the named member of a .tar.gz archive', async () => {
    const target = join(work, 'out', 'etcd');
    await downloadBinary(
      'etcd',
      { url: `${base}/etcd.tar.gz`, memberPath: 'etcd-v9-linux-amd64/etcd' },
      target,
    );
    expect(await readFile(target, 'utf8')).toBe('archived binary');
  });

  it('fails with a DownloadError naming the URL and leaves nothing behind on HTTP 404', async () => {
    const target = join(work, 'out', 'missing');
    const error = await downloadBinary('kubectl', { url: `${base}/nope` }, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toContain(`${base}/nope`);
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  it('fails when the archive lacks the expected member', async () => {
    const target = join(work, 'out', 'etcd2');
    const error = await downloadBinary(
      'etcd',
      { url: `${base}/etcd.tar.gz`, memberPath: 'other/etcd' },
      target,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain('the archive has no other/etcd');
  });
});
