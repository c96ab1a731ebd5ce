/**
 * `npm run bench -- --quick` finishes and writes its results: every system measured, every figure a positive, finite
 * number, and a short idle phase whose loops resync as often as `--idle-resync-minutes` asks. The figures themselves
 * are not asserted: they depend on the machine (see docs/performance.md). `npm run bench:watcher-heap` finishes with
 * a figure for each kind.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/report.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const positive = (value: number | undefined) => {
  expect(value).toBeTypeOf('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value).toBeGreaterThan(0);
};

describe('npm run bench -- --quick', () => {
  let dir: string | undefined;
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('measures Staircase, the in-process controller and the floor, and writes JSON and a chart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'staircase-bench-smoke-'));
    const out = join(dir, 'quick.json');
    // 20 idle loops resyncing every 6 s (less up to 10 %) over a 30 s window: about 200 runs a minute.
    const idle = ['--idle', '20', '--idle-minutes', '0.5', '--idle-resync-minutes', '0.1'];
    const { stdout } = await run('npm', ['run', '-s', 'bench', '--', '--quick', ...idle, '--out', out], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toContain('Staircase / in-process');

    const results = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
    expect(results.version).toBe(1);
    positive(results.machine.cpus);
    expect(results.bursts.map((b) => b.system).sort()).toEqual(['floor', 'inProcess', 'staircase']);
    for (const burst of results.bursts) {
      expect(burst.n).toBe(20);
      positive(burst.burstMs);
      positive(burst.cpuMsPerResource.total);
      for (const name of ['temporal', 'etcd', 'kube-apiserver']) positive(burst.peakRssMb[name]);
    }
    const staircase = results.bursts.find((b) => b.system === 'staircase');
    const inProcess = results.bursts.find((b) => b.system === 'inProcess');
    for (const name of ['worker', 'watcher']) {
      positive(staircase?.cpuMsPerResource[name]);
      positive(staircase?.peakRssMb[name]);
    }
    positive(inProcess?.peakRssMb.controller);
    for (const burst of [staircase, inProcess]) {
      positive(burst?.edit?.p50Ms);
      positive(burst?.edit?.p99Ms);
    }
    positive(staircase?.history?.eventsMean);
    positive(staircase?.perResource?.runs);
    expect(await readFile(join(dir, 'burst.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);

    expect(results.idle?.resources).toBe(20);
    expect(results.idle?.resyncMinutes).toBe(0.1);
    expect(results.idle?.runsPerMinute).toBeGreaterThan(100);
    positive(results.idle?.coresAverage);
    for (const name of ['worker', 'watcher', 'temporal']) positive(results.idle?.rssMb[name]?.max);
    expect(stdout).toContain('20 idle resources, 0.5 min, resync every 0.1 min');
  }, 420_000);
});

describe('npm run bench:watcher-heap', () => {
  it('measures the heap of listed objects against the watcher’s trimmed ones, for both kinds', async () => {
    const { stdout } = await run('npm', ['run', '-s', 'bench:watcher-heap', '--', '--n', '20'], {
      cwd: ROOT,
    });
    expect(stdout).toContain('20 converged Greetings and their ConfigMaps');
    for (const kind of ['Greeting', 'ConfigMap']) {
      const row = stdout.split('\n').find((line) => line.startsWith(`| ${kind} `));
      const [listed, kept] = (row ?? '').split('|').slice(2, 4).map(Number);
      positive(listed);
      positive(kept);
    }
  }, 180_000);
});
