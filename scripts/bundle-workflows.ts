/**
 * Bundles the engine's workflow code into one file (used at image build time): `tsx scripts/bundle-workflows.ts OUT`.
 * A worker started with `STAIRCASE_WORKFLOW_BUNDLE=OUT` loads it instead of bundling at start-up.
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { engineBundleOptions } from '../src/worker/create-worker.js';

const out = process.argv[2];
if (!out) throw new Error('usage: bundle-workflows.ts OUTPUT_FILE');
const { code } = await bundleWorkflowCode(engineBundleOptions());
await writeFile(out, code);
console.log(`wrote ${out} (${code.length} bytes)`);
