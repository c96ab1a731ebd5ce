import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { startCodecServer } from '../../src/codec/codec-server.js';
import { createPayloadCodec } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { freePort } from '../../src/devenv/ports.js';
import { requireBinary } from '../../src/devenv/provision.js';
import { startTemporalDevServer } from '../../src/devenv/temporal-dev-server.js';
import { Watchdog } from '../../src/devenv/watchdog.js';
import { startOperatorTest } from '../../src/testing/index.js';
import { lampOperator } from '../runtime/fixtures/fleet.js';
import { temporalClient } from '../support/temporal.js';
import { newKey, putSecret, rawHistoryBytes } from './support.js';

const CHROMIUM = process.env.STAIRCASE_CHROMIUM ?? '/usr/bin/chromium';

/** A Temporal dev server of its own whose UI decodes payloads through `codecEndpoint`. */
async function temporalWithCodecUi(uiPort: number, codecEndpoint: string) {
  const watchdog = Watchdog.start();
  const server = await startTemporalDevServer({
    binary: requireBinary(inject('binaries'), 'temporal'),
    workDir: await mkdtemp(join(tmpdir(), 'codec-ui-')),
    watchdog,
    ui: true,
    uiPort,
    uiCodecEndpoint: codecEndpoint,
  });
  onTestFinished(async () => {
    await server.stop();
    watchdog.close();
  });
  return server;
}

describe('the Temporal UI with the codec server', () => {
  it('shows a run label naming an encrypted token, decrypted through the codec server', async () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium)`).toBe(true);
    const codec = createPayloadCodec(
      parseCodecKeys(JSON.stringify({ current: 'k1', keys: { k1: newKey() } }), 'test'),
    );
    const uiPort = await freePort();
    const codecServer = await startCodecServer({ codec, allowedOrigins: [`http://127.0.0.1:${uiPort}`] });
    onTestFinished(() => codecServer.close());
    const temporal = await temporalWithCodecUi(uiPort, codecServer.url);

    const lamps = await startOperatorTest({
      operator: lampOperator,
      servers: {
        temporalAddress: temporal.address,
        temporalNamespace: temporal.namespace,
        kube: inject('kube'),
      },
      codec,
    });
    onTestFinished(() => lamps.stop());
    const token = `tok-${randomBytes(8).toString('hex')}`;
    await putSecret(lamps, 'vault', token);
    const lamp = await lamps.create('lamp', { secretName: 'vault' });
    await lamps.waitForReady(lamp, { timeoutMs: 60_000 });
    const workflowId = workflowIdFor(lamp);
    expect((await rawHistoryBytes(await temporalClient(temporal.address), workflowId)).includes(token)).toBe(
      false,
    );

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    onTestFinished(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const decodes: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(codecServer.url)) decodes.push(request.url());
    });
    await page.goto(
      `${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`,
    );
    // The timeline labels each run with its outcome (user metadata, encrypted like every payload): the apply's
    // message names the token.
    await page.getByText(`recorded token ${token}`).first().waitFor({ timeout: 60_000 });
    expect(decodes.some((url) => url.endsWith('/decode'))).toBe(true);
  }, 240_000);
});
