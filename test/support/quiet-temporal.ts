import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

// Worker INFO logs (state changes, bundling) and the core's retry warnings while a test stops Temporal on purpose
// drown the test output; keep warnings of the SDK and errors of the core.
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
});
