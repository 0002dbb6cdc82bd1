/**
 * The host agent's entry point, bundled to one file (`agent.mjs`, see build.ts) for Ubuntu's
 * Node 18. Two commands, run by the systemd units the bootstrap installs:
 *
 * - `fetch`: the server unit's ExecStartPre; writes the config and the package pair, exits
 *   non-zero on failure (the server does not start without them).
 * - `run`: the agent unit; follows the log and heartbeats until SIGINT/SIGTERM.
 *
 * Settings come from the environment (`/etc/convoy/host.env` on a host), checked at start.
 */
import { queryInfo } from '../../shared/adapters/a2s/client.ts';
import { createHostApi, regionOfApiUrl } from './api.ts';
import { defaultCredentials } from './credentials.ts';
import { fetchBundle } from './fetch-bundle.ts';
import { DEFAULT_HEARTBEAT_MS, startReporter } from './reporter.ts';

export interface AgentSettings {
  readonly apiUrl: string;
  readonly region: string;
  readonly homeDir: string;
  readonly stateDir: string;
  readonly heartbeatMs: number;
  readonly imdsEndpoint: string | undefined;
  /** The server's query port, when not the one its `server_config.sii` names (simulated hosts share a loopback). */
  readonly queryPort: number | undefined;
}

export class AgentSettingsError extends Error {
  override readonly name = 'AgentSettingsError';
}

export function settingsFrom(env: NodeJS.ProcessEnv): AgentSettings {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new AgentSettingsError(`${name} is not set (see /etc/convoy/host.env)`);
    return value;
  };
  const apiUrl = need('CONVOY_API_URL');
  if (!/^https?:\/\//.test(apiUrl))
    throw new AgentSettingsError(`CONVOY_API_URL must be an http(s) URL, not ${apiUrl}`);
  const region = env.CONVOY_REGION || env.AWS_REGION || regionOfApiUrl(apiUrl);
  if (!region) throw new AgentSettingsError('Set CONVOY_REGION: CONVOY_API_URL does not name a region');
  const interval = env.CONVOY_HEARTBEAT_INTERVAL_MS;
  if (interval !== undefined && !/^[1-9]\d*$/.test(interval)) {
    throw new AgentSettingsError(
      `CONVOY_HEARTBEAT_INTERVAL_MS must be a positive whole number, not ${interval}`,
    );
  }
  const queryPort = env.CONVOY_QUERY_PORT;
  if (queryPort !== undefined && !/^[1-9]\d{0,4}$/.test(queryPort)) {
    throw new AgentSettingsError(`CONVOY_QUERY_PORT must be a port number, not ${queryPort}`);
  }
  return {
    apiUrl,
    region,
    homeDir: need('CONVOY_HOME_DIR'),
    stateDir: need('CONVOY_STATE_DIR'),
    heartbeatMs: interval ? Number(interval) : DEFAULT_HEARTBEAT_MS,
    imdsEndpoint: env.CONVOY_IMDS_ENDPOINT || undefined,
    queryPort: queryPort ? Number(queryPort) : undefined,
  };
}

/** One JSON line per message on stderr: journald keeps it, tests read it. */
function log(message: string, detail: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), message, ...detail })}\n`);
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = argv[0];
  if (command !== 'fetch' && command !== 'run') {
    process.stderr.write('usage: agent.mjs fetch | run\n');
    return 2;
  }
  const settings = settingsFrom(env);
  const api = createHostApi({
    apiUrl: settings.apiUrl,
    region: settings.region,
    credentials: defaultCredentials(env, settings.imdsEndpoint ? { endpoint: settings.imdsEndpoint } : {}),
  });

  if (command === 'fetch') {
    const bundle = await fetchBundle({ api, homeDir: settings.homeDir, stateDir: settings.stateDir });
    log('bundle written', { serverId: bundle.serverId, branch: bundle.branch });
    return 0;
  }

  const reporter = await startReporter({
    api,
    homeDir: settings.homeDir,
    heartbeatMs: settings.heartbeatMs,
    queryPort: settings.queryPort,
    a2s: async (port) => {
      const info = await queryInfo({ host: '127.0.0.1', port, timeoutMs: 1500 });
      return { players: info.players, version: info.version };
    },
    log,
  });
  log('agent running', { heartbeatMs: settings.heartbeatMs });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await reporter.stop();
  log('agent stopped');
  return 0;
}

// Run when executed (the bundle), not when imported by tests.
const entry = process.argv[1] ?? '';
if (/agent\.m?js$|main\.ts$/.test(entry)) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      log('agent failed', { error: (error as Error).message });
      process.exit(1);
    },
  );
}
