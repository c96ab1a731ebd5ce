import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker INFO logs (state changes, bundling) drown the test output; keep warnings and errors.
Runtime.install({ logger: new DefaultLogger('WARN') });
