import { binarySourcesFromEnv } from '../../devenv/binary-sources.js';
import { BINARY_SETS } from '../../devenv/components.js';
import { provisionBinaries } from '../../devenv/provision.js';
import { parseFlags } from '../parse.js';

const HELP = `staircase provision [--temporal-server]

Makes every server binary that \`staircase dev\` and the testing kit use available in the cache (Temporal CLI, etcd,
kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok), building them with Go or downloading what
is missing, and prints where each one came from. Looks first at TEMPORAL_CLI_PATH, KUBEBUILDER_ASSETS, the cache
($STAIRCASE_CACHE_DIR, else ~/.cache/staircase) and PATH. STAIRCASE_BUILD_SERVERS=0 / STAIRCASE_DOWNLOAD_SERVERS=0
forbid building / downloading.

  --temporal-server   also the Temporal server, its SQL schema tool and its web UI server (temporal-server,
                      temporal-sql-tool, temporal-ui-server), which the project's production-topology test runs`;

/** `staircase provision`: fills the server-binary cache ahead of time. */
export const provisionCommand = {
  summary: 'get the server binaries (Temporal, etcd, Kubernetes, kwok) into the cache ahead of time',
  async run(argv: string[]): Promise<number> {
    const parsed = parseFlags(argv, { 'temporal-server': { type: 'boolean' } }, HELP);
    if (!parsed) return 0;
    const sources = binarySourcesFromEnv(process.env);
    const started = Date.now();
    const log = (message: string) => process.stdout.write(`[provision] ${message}\n`);
    const names = [
      ...BINARY_SETS.temporal,
      ...BINARY_SETS.full,
      ...(parsed.values['temporal-server'] ? BINARY_SETS.temporalServer : []),
    ];
    const resolved = await provisionBinaries(names, sources, log);
    for (const binary of resolved)
      log(`${binary.name.padEnd(24)} ${binary.origin.padEnd(18)} ${binary.path}`);
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (cache: ${sources.cacheDir})`);
    return 0;
  },
};
