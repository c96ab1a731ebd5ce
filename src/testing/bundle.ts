import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { engineBundleOptions } from '../worker/create-worker.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** A logger for `bundleWorkflowCode` that drops webpack's chatter. */
export const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The engine's workflow bundle, built once per process and shared by every worker a test starts. */
export function engineBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ ...engineBundleOptions(), logger: quietLogger });
  return bundle;
}
