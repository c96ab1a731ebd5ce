import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe, expect, it, onTestFinished, vi } from 'vitest';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const website = fileURLToPath(new URL('../../examples/website/operator.ts', import.meta.url));
const listScreenshot = fileURLToPath(new URL('../../docs/images/temporal-ui.png', import.meta.url));
const runScreenshot = fileURLToPath(new URL('../../docs/images/temporal-ui-run.png', import.meta.url));
const CHROMIUM = process.env.STAIRCASE_CHROMIUM ?? '/usr/bin/chromium';
const UPDATE_SCREENSHOTS = process.env.STAIRCASE_UPDATE_SCREENSHOT === '1';
const BLOG = 'websites.example.staircase.dev/default/blog';

/** Starts `staircase dev`, resolves with the UI link once every sample is Ready; stopped (Ctrl-C) after the test. */
async function runDev(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'dev', '--operator', website], {
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

/** Debian's Chromium, headless; closed after the test. */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set STAIRCASE_CHROMIUM`,
    );
  }
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
  return browser;
}

/** Waits until `text` shows somewhere on the page, in HTML or in the timeline's SVG. */
async function seen(page: Page, text: string | RegExp): Promise<void> {
  await page.getByText(text).first().waitFor({ timeout: 60_000 });
}

/** Waits until `text` shows in one of the page's frames (the UI renders Markdown details in iframes). */
async function seenInFrame(page: Page, text: RegExp): Promise<void> {
  await vi.waitFor(
    async () => {
      const texts = await Promise.all(
        page.frames().map((f) =>
          f
            .locator('body')
            .textContent()
            .catch(() => ''),
        ),
      );
      expect(texts.join('\n')).toMatch(text);
    },
    { timeout: 60_000, interval: 500 },
  );
}

/** Scrolls the panel holding `heading` so that the heading sits just below the UI's top bar. */
async function scrollTo(page: Page, heading: string): Promise<void> {
  await page
    .getByText(heading)
    .first()
    .evaluate((element) => {
      const { defaultView, scrollingElement } = element.ownerDocument;
      const scrolls = (e: typeof element) =>
        e.scrollHeight > e.clientHeight &&
        /auto|scroll/.test(defaultView?.getComputedStyle(e).overflowY ?? '');
      let panel = element.parentElement;
      while (panel && !scrolls(panel)) panel = panel.parentElement;
      (panel ?? scrollingElement)?.scrollBy(0, element.getBoundingClientRect().top - 56);
    });
}

describe('the Temporal UI of a running staircase dev', () => {
  it('lists the example’s workflows by kind, and shows each run’s steps, verdicts and outcome', async () => {
    const link = await runDev();
    expect(decodeURIComponent(link)).toContain('query=StaircaseKind="Website"');
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(link);
    for (const site of ['blog', 'shop']) await seen(page, `websites.example.staircase.dev/default/${site}`);
    if (UPDATE_SCREENSHOTS) await page.screenshot({ path: listScreenshot });

    // One resource's history. The timeline labels each run's reads and its apply with the reads confirming it, and
    // the timer after each run carries the run's verdict step by step; the compact event list shows the same labels.
    await page.getByText(BLOG).first().click();
    await seen(page, 'evaluate run 1');
    // Each apply is named with the run it confirms, also where the next run follows at once (no timer).
    await seen(page, /apply configmap and confirm run \d+/);
    await seen(
      page,
      /run \d+ converged at ✎ \S+ \(.+\) after ✓ staircase:add-finalizer ✓ configmap ✓ deployment/,
    );
    await page.getByRole('button', { name: 'Compact' }).click();
    await seen(page, 'apply dns-record');
    if (UPDATE_SCREENSHOTS) {
      // The timeline spans start to now and writes labels left of events in its right half: let the runs move left.
      await page.waitForTimeout(30_000);
      // The timeline shows its first rows only until expanded (the button is labelled with the current state).
      await page.getByRole('button', { name: 'Minimized' }).click();
      await page.setViewportSize({ width: 1400, height: 1100 });
      await scrollTo(page, 'Event History');
      await page.screenshot({ path: runScreenshot });
    }

    // The workflow's details: the last run's outcome and its steps, rendered from Markdown.
    await page.getByText('User Metadata').first().click();
    await seenInFrame(page, /default\/blog: run \d+: converged/);
    await seenInFrame(page, /dns-record\s*✓ passed/);
  }, 300_000);
});
