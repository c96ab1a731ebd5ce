import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';

/**
 * Where the dev environment looks for server binaries, and what it may do when one is missing.
 * Read once, at an entry point, with {@link binarySourcesFromEnv}.
 */
export interface BinarySources {
  /** Root of the cache outside the repository; binaries live in `<cacheDir>/servers/<component>-<version>/`. */
  readonly cacheDir: string;
  /** The envtest convention: a directory with `etcd`, `kube-apiserver`, `kubectl` (and optionally more). */
  readonly kubebuilderAssets?: string;
  /** An explicit Temporal CLI binary. */
  readonly temporalCliPath?: string;
  /** The directory holding PostgreSQL's `initdb` and `postgres` (`STAIRCASE_POSTGRES_BIN`); searched when absent. */
  readonly postgresBinDir?: string;
  /** Directories searched like the shell's PATH. */
  readonly searchPath: readonly string[];
  /** Build a missing binary with Go from the wrapper modules under `tools/servers/`. */
  readonly allowBuild: boolean;
  /** Download a missing binary from its upstream release when it cannot be built. */
  readonly allowDownload: boolean;
}

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .optional()
  .transform((v) => v === undefined || v === '1' || v === 'true');

const EnvSchema = z.object({
  STAIRCASE_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  KUBEBUILDER_ASSETS: z.string().min(1).optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  STAIRCASE_POSTGRES_BIN: z.string().min(1).optional(),
  PATH: z.string().optional(),
  STAIRCASE_BUILD_SERVERS: flag,
  STAIRCASE_DOWNLOAD_SERVERS: flag,
});

/**
 * Reads {@link BinarySources} from environment variables: `STAIRCASE_CACHE_DIR` (default
 * `$XDG_CACHE_HOME/staircase` or `~/.cache/staircase`), `KUBEBUILDER_ASSETS`, `TEMPORAL_CLI_PATH`,
 * `STAIRCASE_POSTGRES_BIN`, `PATH`,
 * and `STAIRCASE_BUILD_SERVERS` / `STAIRCASE_DOWNLOAD_SERVERS` (`0` or `false` to forbid; both allowed by default).
 *
 * @throws {z.ZodError} naming the variable when one has an invalid value.
 */
export function binarySourcesFromEnv(env: NodeJS.ProcessEnv): BinarySources {
  const parsed = EnvSchema.parse(env);
  const cacheDir =
    parsed.STAIRCASE_CACHE_DIR ?? join(parsed.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'staircase');
  return {
    cacheDir,
    ...(parsed.KUBEBUILDER_ASSETS ? { kubebuilderAssets: parsed.KUBEBUILDER_ASSETS } : {}),
    ...(parsed.TEMPORAL_CLI_PATH ? { temporalCliPath: parsed.TEMPORAL_CLI_PATH } : {}),
    ...(parsed.STAIRCASE_POSTGRES_BIN ? { postgresBinDir: parsed.STAIRCASE_POSTGRES_BIN } : {}),
    searchPath: (parsed.PATH ?? '').split(delimiter).filter((d) => d.length > 0),
    allowBuild: parsed.STAIRCASE_BUILD_SERVERS,
    allowDownload: parsed.STAIRCASE_DOWNLOAD_SERVERS,
  };
}
