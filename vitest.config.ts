import { defineConfig } from 'vitest/config';

// Inside this repository `staircase-temporal` (the package's own name, used by the examples) resolves to the
// sources through the `staircase-source` export condition; child processes the tests start get it too.
const SOURCE_CONDITION = 'staircase-source';

export default defineConfig({
  // Vitest's own defaults (Vite's server conditions without `module`) plus ours.
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-temporal.ts'],
    env: { NODE_OPTIONS: `--conditions=${SOURCE_CONDITION}` },
    // The Temporal worker loads a native module; separate processes are the supported way to run it.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
