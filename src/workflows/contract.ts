import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LoopConfig, LoopState } from '../core/loop.js';
import type { RunReport } from '../core/outcome.js';
import type { Phase } from '../core/phase.js';
import type { ResourceRef } from '../core/resource-ref.js';

/** The workflow type name of every resource's control loop. */
export const RECONCILE_WORKFLOW_TYPE = 'reconcileWorkflow';

/** Input of the reconcile workflow (and of each continue-as-new). */
export interface ReconcileInput {
  readonly ref: ResourceRef;
  readonly config: LoopConfig;
  /** Carried across continue-as-new; absent for a new loop. */
  readonly state?: LoopState;
}

/** Why a change signal was sent (for logs and the history). */
export interface ChangeNotice {
  readonly reason: string;
}

/** "Something about this resource changed": run soon (coalesced; any number of signals mean one pending run). */
export const changedSignal = defineSignal<[ChangeNotice]>('changed');
/** Stop running (no runs, no modifications) until resumed. */
export const pauseSignal = defineSignal('pause');
/** Resume after a pause; a run follows at once. */
export const resumeSignal = defineSignal('resume');

/** The loop's state as a person wants to see it. */
export interface ResourceDescription {
  readonly ref: ResourceRef;
  readonly phase: Phase | 'Pending' | 'Paused';
  readonly paused: boolean;
  readonly runNumber: number;
  readonly currentStep?: string;
  readonly lastRun?: RunReport;
  readonly lastError?: string;
  /** ISO time of the next planned run, absent while a run is in progress or the loop is paused. */
  readonly nextRunAt?: string;
  readonly consecutiveModifyingRuns: number;
  readonly consecutiveFailedRuns: number;
  readonly flapping: boolean;
}

/** Describes the loop's current state. */
export const describeQuery = defineQuery<ResourceDescription>('describe');
/** Runs one run now (after any run in progress) and returns its report. Rejected while paused. */
export const reconcileNowUpdate = defineUpdate<RunReport>('reconcileNow');
