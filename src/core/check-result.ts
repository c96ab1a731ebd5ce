/**
 * What a step's `check` can say. Build results with {@link passes}, {@link needsFix} and {@link waitFor}; they read
 * as intent and keep the engine's decisions exhaustive.
 */
export type CheckResult<Out, Fix = unknown> = Passes<Out> | NeedsFix<Fix> | WaitFor;

/** The fact holds; `data` goes to the next step. */
export interface Passes<Out> {
  readonly kind: 'passes';
  readonly data: Out;
}

/** The fact does not hold; the step's `apply` is to make `fix`. */
export interface NeedsFix<Fix> {
  readonly kind: 'needs-fix';
  readonly fix: Fix;
  /** Said in conditions, events and history: what is wrong. */
  readonly reason: string;
}

/** Not yet (for example "the Deployment is not available"): stop the run without modifying. */
export interface WaitFor {
  readonly kind: 'wait';
  readonly reason: string;
  /** When to look again at the latest; absent: on the next change or the resync interval. */
  readonly delayMs?: number;
}

/** The fact holds; pass `data` on to the next step. */
export function passes(): Passes<undefined>;
export function passes<Out>(data: Out): Passes<Out>;
export function passes<Out>(data?: Out): Passes<Out | undefined> {
  return { kind: 'passes', data };
}

/** The fact does not hold; `apply` should make `fix`. `reason` says what is wrong, for people. */
export function needsFix<Fix>(reason: string, fix: Fix): NeedsFix<Fix>;
export function needsFix(reason: string): NeedsFix<undefined>;
export function needsFix<Fix>(reason: string, fix?: Fix): NeedsFix<Fix | undefined> {
  return { kind: 'needs-fix', reason, fix };
}

/** Stop this run without modifying; look again after `delayMs`, or on the next change when absent. */
export function waitFor(reason: string, delayMs?: number): WaitFor {
  return delayMs === undefined ? { kind: 'wait', reason } : { kind: 'wait', reason, delayMs };
}
