import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ServerSetupError } from './errors.js';
import { TEMPORAL_DATABASES } from './temporal-server-config.js';

const execFileAsync = promisify(execFile);

/** Where `temporal-sql-tool` connects: a PostgreSQL superuser on loopback, trusted without a password. */
export interface SchemaTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

/** The schemas embedded in `temporal-sql-tool` (the server module's `schema/postgresql/v12/...`), per database. */
const EMBEDDED_SCHEMAS: Record<string, string> = {
  [TEMPORAL_DATABASES.default]: 'postgresql/v12/temporal',
  [TEMPORAL_DATABASES.visibility]: 'postgresql/v12/visibility',
};

/**
 * Creates the Temporal databases (`temporal`, `temporal_visibility`) and brings each to the latest schema version of
 * the tool's server release, as the upstream `auto-setup` image does: `create-database`, `setup-schema -v 0.0`,
 * `update-schema`. The schemas come embedded in the tool, so no schema folder is needed beside it.
 *
 * @throws {ServerSetupError} with the tool's output.
 */
export async function createTemporalSchemas(sqlTool: string, target: SchemaTarget): Promise<void> {
  await Promise.all(
    Object.entries(EMBEDDED_SCHEMAS).map(async ([database, schemaName]) => {
      const base = ['--plugin', 'postgres12', '--endpoint', target.host, '--port', String(target.port)];
      base.push('--user', target.user, '--database', database);
      await sqlToolRun(sqlTool, [...base, 'create-database'], `create-database ${database}`);
      await sqlToolRun(sqlTool, [...base, 'setup-schema', '--version', '0.0'], `setup-schema ${database}`);
      await sqlToolRun(
        sqlTool,
        [...base, 'update-schema', '--schema-name', schemaName],
        `update-schema ${database}`,
      );
    }),
  );
}

async function sqlToolRun(sqlTool: string, args: readonly string[], step: string): Promise<void> {
  try {
    await execFileAsync(sqlTool, [...args], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const output = [stdout, stderr].filter(Boolean).join('\n') || String(error);
    throw new ServerSetupError('temporal-sql-tool', step, output, { cause: error });
  }
}
