/**
 * Hosting the engine in a worker of your own (`staircase worker` and `staircase dev` do this for you):
 * {@link createEngineWorker} for one operator, {@link createEngineWorkers} for several on one connection,
 * {@link createEngineActivities} for a worker you build yourself, and {@link engineBundleOptions} for a prebuilt
 * workflow bundle. A separate entry from the authoring API so that defining an operator does not load the Temporal
 * worker SDK, webpack and client-node.
 *
 * @packageDocumentation
 */
export { createEngineActivities, type EngineActivityOptions } from '../activities/create-activities.js';
export {
  createEngineWorker,
  type EngineWorkerOptions,
  engineBundleOptions,
  engineWorkflowsPath,
} from './create-worker.js';
export {
  createEngineWorkers,
  type EngineWorkers,
  type EngineWorkersOptions,
  type OperatorWorker,
} from './create-workers.js';
export { DEFAULT_WORKER_TUNING, type WorkerTuning } from './tuning.js';
