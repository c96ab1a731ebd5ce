/**
 * Loaded into the workflow sandbox before its globals are frozen (the bundler's `preloadModules`, see
 * `engineBundleOptions`): the engine's workflow code records no stack frames.
 *
 * Why: the Temporal SDK captures, source-maps and keeps a stack trace for every promise workflow code creates (for
 * its `__stack_trace` query). That was ≈40 % of the worker's workflow thread (profiled at 300 new resources: 5.0 s
 * of CPU with the default 10 frames, 3.0 s with none). The workflow is the engine's, never the operator's own code,
 * and a run is legible from its history and the loop's `describe` query.
 * Caveats: the Temporal UI's "Stack Trace" tab shows no frames for a loop, and an error thrown by the engine's
 * workflow code carries its message without a stack. Activity failures keep theirs (made outside the sandbox).
 */
try {
  Error.stackTraceLimit = 0;
} catch {
  // A future SDK that froze `Error` before preloading: stacks stay on, the worker still starts (a test says so).
}
