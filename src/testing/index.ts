/**
 * The testing kit for operator authors: run your operator on real servers (a Temporal dev server and a real
 * kube-apiserver with etcd, started for you), create resources, wait for them, read their Temporal history as runs
 * and steps, assert the engine's guarantees, record histories and replay them in CI.
 *
 * @packageDocumentation
 */
export { engineBundle } from './bundle.js';
export {
  EngineGuaranteeError,
  HistoryNotReplayableError,
  ReplayFailedError,
  ResourceWaitTimeoutError,
  TestServersUnavailableError,
} from './errors.js';
export {
  appliedSteps,
  assertEngineGuarantees,
  type RunInHistory,
  runsInHistory,
  type StepInHistory,
} from './history.js';
export { type OperatorTest, type OperatorTestOptions, startOperatorTest } from './operator-test.js';
export {
  assertHistoriesReplay,
  type LoopReplayOptions,
  type ReplayOptions,
  type ReplayResult,
  recordHistory,
  replayHistories,
  replayLoops,
  throwIfAnyFailed,
} from './replay.js';
export { conditionOf, type TestObject, TestResources } from './resources.js';
export {
  provideTestServers,
  startTestServers,
  TEST_SERVERS_ENV,
  type TestServerAddresses,
  type TestServers,
  type TestServersOptions,
  useTestServers,
} from './servers.js';
export { describeLoop, type WaitOptions } from './waits.js';
