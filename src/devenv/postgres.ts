import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BinarySources } from './binary-sources.js';
import { PostgresNotFoundError, ServerSetupError } from './errors.js';
import { type ManagedProcess, startProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { isExecutable } from './resolve-binary.js';
import { awaitReady } from './server-start.js';
import type { Watchdog } from './watchdog.js';

const execFileAsync = promisify(execFile);

/** Where Debian and Ubuntu install PostgreSQL's server programs (not on PATH): `/usr/lib/postgresql/<major>/bin`. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/**
 * The directory holding PostgreSQL's `initdb` and `postgres`: `STAIRCASE_POSTGRES_BIN` when set (and only it), else
 * the first PATH directory with both, else the newest `/usr/lib/postgresql/<major>/bin` (Debian's `postgresql`).
 *
 * @throws {PostgresNotFoundError} listing where it looked and how to install PostgreSQL.
 */
export async function findPostgres(sources: BinarySources): Promise<string> {
  const debian = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  const candidates = sources.postgresBinDir
    ? [sources.postgresBinDir]
    : [
        ...sources.searchPath,
        ...debian
          .filter((entry) => /^\d+$/.test(entry))
          .sort((a, b) => Number(b) - Number(a))
          .map((major) => join(DEBIAN_ROOT, major, 'bin')),
      ];
  for (const dir of candidates)
    if ((await isExecutable(join(dir, 'initdb'))) && (await isExecutable(join(dir, 'postgres')))) return dir;
  throw new PostgresNotFoundError(
    sources.postgresBinDir
      ? [`STAIRCASE_POSTGRES_BIN=${sources.postgresBinDir}`]
      : ['PATH', `${DEBIAN_ROOT}/*/bin`],
  );
}

/** Options for {@link startPostgres}. */
export interface PostgresOptions {
  /** The directory holding `initdb` and `postgres` ({@link findPostgres}). */
  readonly binDir: string;
  /** Folder for the log file. The data directory is a fresh temporary folder of its own. */
  readonly workDir: string;
  readonly watchdog: Watchdog;
  /** The superuser `initdb` creates; it connects over loopback without a password. */
  readonly user?: string;
  readonly startTimeoutMs?: number;
}

/** A running throw-away PostgreSQL server on loopback (TCP only, no Unix socket, trust authentication). */
export interface Postgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly process: ManagedProcess;
  /** Stops the server and deletes its data. Harmless to call twice. */
  stop(): Promise<void>;
}

/**
 * Creates a database cluster in a temporary folder and starts `postgres` on a free loopback port, tuned for tests
 * (no fsync: the data is thrown away).
 *
 * Caveats: PostgreSQL refuses to run as root; under root both `initdb` and `postgres` run as the `postgres` user
 * (Debian's package creates it), else as `nobody`, and the data directory is given to that user.
 *
 * @throws {ServerSetupError} when `initdb` fails; {@link ServerStartError} when the server does not start.
 */
export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const user = options.user ?? 'temporal';
  const runAs = await unprivilegedUser();
  // Not under workDir: the unprivileged user must be able to reach it, and workDir is usually private to us.
  const dataDir = await mkdtemp(join(tmpdir(), 'staircase-postgres-'));
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
  const initdb = ['-D', dataDir, '-U', user, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'];
  await execFileAsync(join(options.binDir, 'initdb'), initdb, {
    cwd: dataDir,
    ...(runAs ?? {}),
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: unknown) => {
    throw new ServerSetupError('postgres', 'initdb', outputOf(error), { cause: error });
  });

  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '300',
  };
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);
  const logFile = join(options.workDir, `postgres-${port}.log`);
  const server = startProcess({
    name: 'postgres',
    command: join(options.binDir, 'postgres'),
    args,
    logFile,
    watchdog: options.watchdog,
    cwd: dataDir,
    ...(runAs ? { user: runAs } : {}),
  });
  await awaitReady(server, () => readyInLog(logFile), {
    what: `PostgreSQL on 127.0.0.1:${port}`,
    timeoutMs: options.startTimeoutMs ?? 30_000,
  });
  return {
    host: '127.0.0.1',
    port,
    user,
    process: server,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function readyInLog(logFile: string): Promise<true | undefined> {
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return log.includes('database system is ready to accept connections') ? true : undefined;
}

/** The user to run PostgreSQL as: none when we are not root, else `postgres` when it exists, else `nobody`. */
async function unprivilegedUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const users = new Map(
    passwd
      .split('\n')
      .map((line) => line.split(':'))
      .filter((fields) => fields.length >= 4)
      .map(([name, , uid, gid]) => [name, { uid: Number(uid), gid: Number(gid) }] as const),
  );
  return users.get('postgres') ?? users.get('nobody') ?? { uid: 65534, gid: 65534 };
}

function outputOf(error: unknown): string {
  const { stdout, stderr } = error as { stdout?: string; stderr?: string };
  return [stdout, stderr].filter(Boolean).join('\n') || String(error);
}
