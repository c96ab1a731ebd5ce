import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const screenshot = fileURLToPath(new URL('../../docs/images/temporal-ui.png', import.meta.url));
const CHROMIUM = process.env.STAIRCASE_CHROMIUM ?? '/usr/bin/chromium';

/** Starts `staircase dev`, resolves with the UI link once every sample is Ready; stopped (Ctrl-C) after the test. */
async function runDev(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'dev'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(async () => {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  });
  let link = '';
  const ready = new Set<string>();
  for await (const line of createInterface({ input: child.stdout })) {
    const found = /this operator's workflows: (\S+)/.exec(line);
    if (found?.[1]) link = found[1];
    const site = /^default\/(\w+): Ready/.exec(line);
    if (site?.[1]) ready.add(site[1]);
    if (link && ready.has('blog') && ready.has('shop')) return link;
  }
  throw new Error('staircase dev exited before every sample was Ready');
}

describe('the Temporal UI of a running staircase dev', () => {
  it('lists the example’s workflows when filtered by the StaircaseKind search attribute', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set STAIRCASE_CHROMIUM`,
      );
    }
    const link = await runDev();
    expect(decodeURIComponent(link)).toContain('query=StaircaseKind="Website"');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      // No sandbox as root; no background networking, which this closed network refuses.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    onTestFinished(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(link);
    for (const site of ['blog', 'shop']) {
      await page
        .getByText(`websites.example.staircase.dev/default/${site}`)
        .first()
        .waitFor({ timeout: 60_000 });
    }
    if (process.env.STAIRCASE_UPDATE_SCREENSHOT === '1') await page.screenshot({ path: screenshot });
  }, 300_000);
});
