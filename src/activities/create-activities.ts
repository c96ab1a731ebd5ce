import type { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  type AppliedFix,
  CHECK_ACTIVITY,
  type EngineActivities,
  PERMANENT_ERROR_TYPES,
  type PreparedRun,
  type PrepareRunInput,
  type RecordRunInput,
  type StepCall,
  type StepCheck,
} from '../core/activity-contract.js';
import type { EngineStatus } from '../core/status.js';
import { type OperatorDefinition, resolveOptions } from '../operator/operator.js';
import type { ResourceKind, ResourceOf } from '../operator/resource-kind.js';
import type { AnyStep, StepContext } from '../operator/step.js';
import { classifyStepError, isNotFound } from './errors.js';
import { createKubeClient, ObjectApi } from './kube-client.js';
import { applyEngineStatus, emitEvent, mergeStatus, type RawResource, readResource } from './kube-objects.js';
import { compilePlan } from './plans.js';
import { SnapshotCache } from './snapshot-cache.js';

/** Options of {@link createEngineActivities}. */
export interface EngineActivityOptions<K extends ResourceKind> {
  readonly operator: OperatorDefinition<K>;
  /** The worker's identity towards the API server. */
  readonly kube: KubeConfig;
  /** Largest step data, in bytes of JSON, allowed through workflow history; default 64 KiB. */
  readonly maxStepDataBytes?: number;
}

/** The engine's activities as a worker registers them: the typed ones, and `default` for step-named checks. */
export type EngineActivityImplementations = EngineActivities & {
  /** Serves the local activities `check <step>` (see `CHECK_ACTIVITY`); refuses any other unknown type. */
  default(...args: unknown[]): Promise<StepCheck>;
};

/**
 * The engine's activities for one operator: they read the resource, run step checks and applies, and record
 * status and events. Register them on a worker together with the engine's workflows.
 */
export function createEngineActivities<K extends ResourceKind>(
  options: EngineActivityOptions<K>,
): EngineActivityImplementations {
  const engine = engineActivities(options);
  return { ...engine, default: stepNamedChecks(engine) };
}

/** The `default` activity: a check scheduled under its step's name runs as `checkStep`. */
function stepNamedChecks(engine: EngineActivities): EngineActivityImplementations['default'] {
  return async (...args: unknown[]) => {
    const type = Context.current().info.activityType;
    if (!type.startsWith(CHECK_ACTIVITY.prefix)) {
      throw ApplicationFailure.nonRetryable(
        `no activity of type ${type} on this worker`,
        'UnknownActivityType',
      );
    }
    return engine.checkStep(args[0] as StepCall);
  };
}

function engineActivities<K extends ResourceKind>(options: EngineActivityOptions<K>): EngineActivities {
  const { operator, kube } = options;
  const resolved = resolveOptions(operator as OperatorDefinition);
  const snapshots = new SnapshotCache();
  const objects = kube.makeApiClient(ObjectApi);
  const fieldManager = `staircase-${operator.name}`;
  const maxData = options.maxStepDataBytes ?? 64 * 1024;

  /** The resource a step call works on, with its validated spec, or a reason why the run is stale. */
  async function resourceFor(call: StepCall): Promise<ResourceOf<K> | string> {
    const raw =
      snapshots.get(call.object.uid, call.object.resourceVersion) ?? (await readResource(kube, call.ref));
    if (!raw || raw.metadata.uid !== call.object.uid)
      return 'the object was deleted or replaced during the run';
    const parsed = operator.kind.parseSpec(raw.spec);
    if (!parsed.ok) return 'the spec became invalid during the run';
    return { ...raw, spec: parsed.spec } as ResourceOf<K>;
  }

  async function locate(call: StepCall): Promise<{ step: AnyStep<K>; context: StepContext<K> } | string> {
    const resource = await resourceFor(call);
    if (typeof resource === 'string') return resource;
    const step = compilePlan(operator, resolved, resource, call.purpose).steps.get(call.step);
    if (!step) return `step ${call.step} is no longer in the plan`;
    const info = Context.current().info;
    const context: StepContext<K> = {
      resource,
      ref: call.ref,
      kube: createKubeClient({
        config: kube,
        api: objects,
        fieldManager,
        ref: call.ref,
        uid: call.object.uid,
      }),
      log: Context.current().log,
      runStartedAt: new Date(call.runStartedAt),
      runNumber: call.runNumber,
      attempt: info.attempt,
    };
    return { step, context };
  }

  return {
    async prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
      const raw = await readResource(kube, input.ref);
      if (!raw) return { kind: 'gone' };
      snapshots.put(raw);
      const deleting = raw.metadata.deletionTimestamp !== undefined;
      if (deleting && (!operator.cleanup || !raw.metadata.finalizers?.includes(resolved.finalizer))) {
        return { kind: 'gone' };
      }
      const version = {
        uid: raw.metadata.uid,
        generation: raw.metadata.generation ?? 0,
        resourceVersion: raw.metadata.resourceVersion ?? '',
      };
      const status = engineStatusOf(raw);
      const parsed = operator.kind.parseSpec(raw.spec);
      if (!parsed.ok) return { kind: 'invalid', ...version, message: parsed.message, status };
      const resource = { ...raw, spec: parsed.spec } as ResourceOf<K>;
      const plan = compilePlan(operator, resolved, resource, deleting ? 'cleanup' : 'reconcile');
      return { kind: 'ready', ...version, plan: plan.descriptor, status };
    },

    async checkStep(call: StepCall): Promise<StepCheck> {
      const located = await locate(call);
      if (typeof located === 'string') return { kind: 'stale', reason: located };
      try {
        const result = await located.step.check(located.context, call.input);
        if (result.kind === 'passes') assertSmall(call.step, result.data, maxData);
        if (result.kind === 'needs-fix') assertSmall(call.step, result.fix, maxData);
        return result;
      } catch (error) {
        throw classifyStepError(error);
      }
    },

    async applyStep(call: StepCall & { readonly fix: unknown }): Promise<AppliedFix> {
      const located = await locate(call);
      if (typeof located === 'string') throw new Error(`cannot apply: ${located}`);
      const { step, context } = located;
      if (!step.apply)
        throw ApplicationFailure.nonRetryable(`step ${call.step} has no apply`, 'StepHasNoApply');
      try {
        const result = await step.apply({ ...context, input: call.input, fix: call.fix });
        Context.current()
          .metricMeter.createCounter(
            'staircase_applies',
            'applies',
            'Successful step applies by kind and step',
          )
          .add(1, { kind: call.ref.kind, step: call.step });
        return {
          ...(result?.message ? { message: result.message } : {}),
          ...(result?.status ? { status: result.status } : {}),
        };
      } catch (error) {
        throw classifyStepError(error);
      }
    },

    async recordRun(input: RecordRunInput): Promise<void> {
      try {
        // Operator fields merge in; the engine's own fields are applied under their own field manager, so that
        // neither overwrites the other and conditions written by others stay.
        const writes: Promise<void>[] = [];
        if (input.operatorStatus) writes.push(mergeStatus(kube, input.ref, input.uid, input.operatorStatus));
        if (input.status) writes.push(applyEngineStatus(kube, input.ref, input.uid, { ...input.status }));
        if (input.event) writes.push(emitEvent(kube, input.ref, input.uid, input.event));
        await Promise.all(writes);
      } catch (error) {
        // The object is gone (say, its finalizer was just removed): there is nothing left to record on.
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

function engineStatusOf(raw: RawResource): Partial<EngineStatus> {
  const status = (raw.status ?? {}) as Partial<EngineStatus>;
  return {
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    ...(status.phase !== undefined ? { phase: status.phase } : {}),
    ...(status.currentStep !== undefined ? { currentStep: status.currentStep } : {}),
    conditions: status.conditions ?? [],
  };
}

function assertSmall(step: string, data: unknown, maxBytes: number): void {
  const size = data === undefined ? 0 : Buffer.byteLength(JSON.stringify(data));
  if (size > maxBytes) {
    throw ApplicationFailure.nonRetryable(
      `step ${step} passed ${size} bytes of data; at most ${maxBytes} go through workflow history — pass names and references, not objects`,
      PERMANENT_ERROR_TYPES.dataTooLarge,
    );
  }
}
