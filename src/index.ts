/**
 * Staircase on Temporal: Kubernetes operators as step-based reconcilers that run durably on Temporal.
 *
 * Authoring: {@link defineResourceKind}, {@link stepFor}, {@link planFor}, {@link defineOperator}, the check
 * results {@link passes}, {@link needsFix}, {@link waitFor}, and the step helpers {@link childStep} (an owned child
 * declared as data) and {@link statusStep} (status the plan depends on); steps talk to Kubernetes through the typed
 * {@link KubeClient} in their context. Signalling a loop from your own code: {@link signalChange}. Encrypted
 * histories: {@link createPayloadCodec} from {@link loadCodecKeys}, passed as `codec` to workers, and
 * {@link startCodecServer} for the Temporal UI. Talking to a running loop: the signals, query and update in the
 * workflow contract. Hosting the engine in a worker of your own: `staircase-temporal/worker`.
 *
 * Importing this entry loads neither the Temporal worker SDK nor client-node: the watcher imports operator modules,
 * and what they import stays in its memory.
 *
 * @packageDocumentation
 */

export { type LoopTarget, signalChange } from './client/reconcile-client.js';
/** Encrypted histories: the payload codec, its key set, and the codec server for the Temporal UI. */
export {
  AesGcmPayloadCodec,
  CODEC_KEY_FILE_ENV,
  CODEC_KEYS_ENV,
  CodecKeyNotFoundError,
  type CodecKeys,
  CodecKeysSchema,
  type CodecServer,
  type CodecServerOptions,
  createPayloadCodec,
  dataConverterFor,
  InvalidCodecKeysError,
  loadCodecKeys,
  PayloadDecryptionError,
  parseCodecKeys,
  startCodecServer,
} from './codec/index.js';
/** The activity contract between the workflow and the worker (types only). */
export type {
  AppliedFix,
  EngineActivities,
  PreparedRun,
  StepCall,
  StepCheck,
} from './core/activity-contract.js';
export {
  type CheckResult,
  type NeedsFix,
  needsFix,
  type Passes,
  passes,
  type WaitFor,
  waitFor,
} from './core/check-result.js';
export { DEFAULT_LOOP_CONFIG, type LoopConfig } from './core/loop.js';
/** Run outcomes and reports. */
export type { OutcomeKind, RunOutcome, RunReport, StepRecord } from './core/outcome.js';
/** Timeouts and retry policies of step activities. */
export type { ActivityPolicy, RetrySpec } from './core/plan-descriptor.js';
export { displayName, type ResourceRef, workflowIdFor } from './core/resource-ref.js';
export {
  ALL_SEARCH_ATTRIBUTE_KEYS,
  type AnySearchAttributeKey,
  SEARCH_ATTRIBUTES,
} from './core/search-attributes.js';
/** The engine-owned status: phase, current step, kstatus conditions. */
export type { Condition, EngineStatus, Phase } from './core/status.js';
export { type ChildStepOptions, childStep, type LiveChild } from './operator/child-step.js';
export { InvalidPlanError, PermanentError, UnsupportedSchemaError } from './operator/errors.js';
export {
  type ApplyOptions,
  KubeAbortedError,
  type KubeClient,
  KubeConflictError,
  type KubeFailure,
  KubeForbiddenError,
  KubeInvalidError,
  KubeNotFoundError,
  KubeUnavailableError,
  type ObjectRef,
} from './operator/kube-client.js';
export {
  type DevHooks,
  defineOperator,
  type OperatorDefinition,
  type OperatorOptions,
  type OwnedKind,
  type RelatedKind,
  type RelatedMapContext,
  type RelatedTarget,
  resolveOptions,
} from './operator/operator.js';
export { checkOperatorSet, OperatorSetError } from './operator/operator-set.js';
export { type Plan, PlanBuilder, planFor, stepFor } from './operator/plan.js';
export { type PolicyRule, rbacManifests, watcherRules, workerRules } from './operator/rbac.js';
export {
  defineResourceKind,
  type Resource,
  type ResourceKind,
  type ResourceKindOptions,
  type ResourceOf,
  type SpecOf,
  type StatusOf,
} from './operator/resource-kind.js';
/** The step model. */
export { type StatusStepOptions, statusStep } from './operator/status-step.js';
export type {
  ApplyArgs,
  ApplyResult,
  CheckOnlyStep,
  Step,
  StepContext,
  StepLogger,
  StepPolicy,
} from './operator/step.js';
export {
  type ChangeNotice,
  changedSignal,
  describeQuery,
  pauseSignal,
  RECONCILE_WORKFLOW_TYPE,
  type ReconcileInput,
  type ResourceDescription,
  reconcileNowUpdate,
  resumeSignal,
} from './workflows/contract.js';
