import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { createPayloadCodec } from '../../src/codec/data-converter.js';
import { CodecKeyNotFoundError } from '../../src/codec/errors.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { workflowIdFor } from '../../src/core/resource-ref.js';
import { runsInHistory, startOperatorTest } from '../../src/testing/index.js';
import { lampOperator } from '../runtime/fixtures/fleet.js';
import { testServers } from '../support/engine.js';
import { createTestNamespace } from '../support/kube.js';
import { temporalClient } from '../support/temporal.js';
import { newKey, putSecret, rawHistoryBytes, staircase, writeKeyFile } from './support.js';

const codecOf = (current: string, keys: Record<string, string>) =>
  createPayloadCodec(parseCodecKeys(JSON.stringify({ current, keys }), 'test'));

async function startLamps(options: {
  codec: ReturnType<typeof codecOf>;
  namespace?: string;
  taskQueue?: string;
}) {
  const lamps = await startOperatorTest({ operator: lampOperator, servers: testServers(), ...options });
  onTestFinished(() => lamps.stop());
  return lamps;
}

describe('encrypted histories', () => {
  it("keeps a secret a step reads out of Temporal's history, while the kit and staircase status still read it", async () => {
    const keys = { k1: newKey() };
    const lamps = await startLamps({ codec: codecOf('k1', keys) });
    const secretName = `vault-${randomBytes(4).toString('hex')}`;
    const token = `tok-${randomBytes(8).toString('hex')}`;
    const lamp = await lamps.create('lamp', { secretName });
    // The wait's reason names the Secret: `staircase status` decrypts the loop's answer with the key file.
    await lamps.waitUntil(lamp, 'to wait for its Secret', (d) => d.lastRun?.outcome.kind === 'waiting');
    const temporal = [
      '--temporal-address',
      inject('temporalAddress'),
      '--temporal-namespace',
      inject('temporalNamespace'),
    ];
    const status = await staircase([
      'status',
      'Lamp',
      `${lamps.namespace}/lamp`,
      ...temporal,
      '--codec-key-file',
      await writeKeyFile('k1', keys),
    ]);
    expect(status.stderr).toBe('');
    expect(status.stdout).toContain(`Secret ${secretName} does not exist`);

    await putSecret(lamps, secretName, token);
    await lamps.waitForReady(lamp, { timeoutMs: 60_000 });
    const runs = await lamps.runs(lamp);
    expect(runs.flatMap((run) => run.steps.map((step) => step.reason))).toContain(`token is not ${token}`);

    const raw = await rawHistoryBytes(await temporalClient(), workflowIdFor(lamp));
    expect(raw.includes('binary/encrypted')).toBe(true);
    expect(raw.includes(token)).toBe(false);
    expect(raw.includes(secretName)).toBe(false);
    // Without the keys, `staircase status` cannot read the loop's answer.
    const blind = await staircase(['status', 'Lamp', `${lamps.namespace}/lamp`, ...temporal]);
    expect(blind.code).not.toBe(0);
  }, 120_000);

  it('keeps error messages of failing steps out of the history too', async () => {
    const lamps = await startLamps({ codec: codecOf('k1', { k1: newKey() }) });
    const lamp = await lamps.create('broken', { mode: 'fail' });
    const seen = await lamps.waitUntil(lamp, 'to report the failure', (d) =>
      Boolean(d.lastError ?? d.lastRun),
    );
    expect(JSON.stringify(seen)).toContain('fails on purpose');
    const raw = await rawHistoryBytes(await temporalClient(), workflowIdFor(lamp));
    expect(raw.includes('fails on purpose')).toBe(false);
  }, 120_000);

  it('reads a history written with key A after the current key became B with A kept, and names a key it lacks', async () => {
    const a = newKey();
    const b = newKey();
    const namespace = await createTestNamespace('codec-rotation');
    const taskQueue = `codec-rotation-${randomBytes(4).toString('hex')}`;
    const before = await startLamps({ codec: codecOf('a', { a }), namespace, taskQueue });
    const lamp = await before.create('lamp', { secretName: 'first' });
    await putSecret(before, 'first', 'one');
    await before.waitForReady(lamp, { timeoutMs: 60_000 });
    await before.stop();

    const after = await startLamps({ codec: codecOf('b', { a, b }), namespace, taskQueue });
    await putSecret(after, 'second', 'two');
    await after.patchSpec(lamp, { secretName: 'second' });
    await after.waitUntil(lamp, 'to record the second token', (d) => d.phase === 'Ready' && d.runNumber > 1, {
      timeoutMs: 60_000,
    });
    const reasons = (await after.runs(lamp)).flatMap((run) => run.steps.map((step) => step.reason));
    expect(reasons).toEqual(expect.arrayContaining(['token is not one', 'token is not two']));
    const raw = await rawHistoryBytes(await temporalClient(), workflowIdFor(lamp));
    expect(raw.includes('encryption-key-id')).toBe(true);

    // A reader with only key B cannot decrypt what key A wrote, and says which key it lacks.
    const withB = new Client({
      connection: (await temporalClient()).connection,
      namespace: inject('temporalNamespace'),
      dataConverter: { payloadCodecs: [codecOf('b', { b })] },
    });
    const error = await runsInHistory(withB, workflowIdFor(lamp)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodecKeyNotFoundError);
    expect(error).toMatchObject({ keyId: 'a', knownKeyIds: ['b'] });
  }, 180_000);
});
