import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject, onTestFinished } from 'vitest';

/** A client of the test run's Temporal dev server, closed when the current test finishes. */
export async function temporalClient(address = inject('temporalAddress')): Promise<Client> {
  const connection = await Connection.connect({ address });
  onTestFinished(() => connection.close());
  return new Client({ connection, namespace: inject('temporalNamespace') });
}

/** A worker connection to the test run's Temporal dev server, closed when the current test finishes. */
export async function workerConnection(address = inject('temporalAddress')): Promise<NativeConnection> {
  const connection = await NativeConnection.connect({ address });
  onTestFinished(() => connection.close());
  return connection;
}

/** A task queue no other test uses. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
