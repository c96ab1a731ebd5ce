/**
 * Workflow entry point for the worker's bundle: every workflow the engine runs.
 *
 * @packageDocumentation
 */
export { reconcileWorkflow } from './reconcile-workflow.js';
