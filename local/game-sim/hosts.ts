/**
 * Simulated game hosts: every instance the EC2 stand-in has `running` becomes what the
 * bootstrap makes of a real host. Its agent is the REAL bundled `agent.mjs run`, signing with the
 * credentials the stand-in issued to that instance; this module plays systemd for the server
 * unit: `agent.mjs fetch` (ExecStartPre), then the simulated dedicated server
 * (`dedicated-server.ts`), restarted on failure up to a start limit, and SIGINT for both when the
 * instance leaves `running`. Each instance keeps its own folder (its "disk") across stop and start.
 *
 * The only thing a real host does differently: simulated servers share one loopback, so each
 * answers A2S on a port of its own, which the agent learns from `CONVOY_QUERY_PORT`.
 */
import type { ChildProcess } from 'node:child_process';
import { fork, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_TAGS } from '../../shared/adapters/ec2/tags.ts';
import { logger } from '../../shared/http/logger.ts';
import type { Fleet, Instance } from '../ec2/fleet.ts';
import type { SimCommand, SimFailure } from './dedicated-server.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_SCRIPT = fileURLToPath(new URL('./dedicated-server.ts', import.meta.url));
const STOP_GRACE_MS = 5_000;
/** systemd's StartLimitBurst / StartLimitIntervalSec of the server unit (host/bootstrap/render.ts). */
const START_LIMIT = { burst: 5, windowMs: 600_000 };

export interface SimHostsOptions {
  readonly fleet: Fleet;
  readonly apiUrl: string;
  readonly region: string;
  /** Each instance's folder goes under `<dir>/<instance id>/`. */
  readonly dir: string;
  /** The bundled agent (`agent.mjs`). */
  readonly agentPath: string;
  readonly heartbeatMs: number;
  /** systemd's RestartSec for the simulated server unit. @default 200 */
  readonly restartMs?: number;
  /** How long each simulated boot step takes. @default 100 */
  readonly stepMs?: number;
}

export type HostLookup = { readonly kind: 'ok'; readonly instanceId: string } | { readonly kind: 'noHost' };

export interface SimHosts {
  /** Sets the simulated server's player count (joins or leaves, then a `Players: N` line). */
  setPlayers(serverId: string, count: number): HostLookup;
  /** Makes the server fail from now on: its next starts fail so; it restarts at once to show it. */
  fail(serverId: string, failure: SimFailure): HostLookup;
  close(): Promise<void>;
}

interface SimHost {
  readonly instance: Instance;
  readonly homeDir: string;
  readonly stateDir: string;
  readonly queryPort: number;
  readonly log: WriteStream;
  agent?: ChildProcess;
  server?: ChildProcess;
  failure: SimFailure | null;
  players: number;
  starts: number[];
  stopping: boolean;
  /** Between ExecStartPre and the server's own start: the start under way reads `failure` when it forks. */
  starting: boolean;
  restartTimer?: NodeJS.Timeout;
}

export function startSimHosts(options: SimHostsOptions): SimHosts {
  const hosts = new Map<string, SimHost>();
  const restartMs = options.restartMs ?? 200;

  const env = (host: SimHost): NodeJS.ProcessEnv => {
    const { credentials } = host.instance;
    return {
      PATH: process.env.PATH,
      CONVOY_API_URL: options.apiUrl,
      CONVOY_REGION: options.region,
      CONVOY_HOME_DIR: host.homeDir,
      CONVOY_STATE_DIR: host.stateDir,
      CONVOY_HEARTBEAT_INTERVAL_MS: String(options.heartbeatMs),
      CONVOY_QUERY_PORT: String(host.queryPort),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    };
  };

  const pipe = (host: SimHost, child: ChildProcess) => {
    child.stdout?.pipe(host.log, { end: false });
    child.stderr?.pipe(host.log, { end: false });
  };

  /** `agent.mjs fetch`: resolves true on exit code 0. */
  const fetchBundle = (host: SimHost) =>
    new Promise<boolean>((resolve) => {
      const child = spawn(process.execPath, [options.agentPath, 'fetch'], {
        env: env(host),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      pipe(host, child);
      child.once('error', () => resolve(false));
      child.once('close', (code) => resolve(code === 0));
    });

  /** One start of the server unit: ExecStartPre, then the server; a failure restarts it within the limit. */
  async function startServer(host: SimHost): Promise<void> {
    host.restartTimer = undefined;
    if (host.stopping) return;
    const now = Date.now();
    host.starts = [...host.starts.filter((t) => now - t < START_LIMIT.windowMs), now];
    if (host.starts.length > START_LIMIT.burst) {
      host.log.write(`simulated systemd: convoy-server.service start limit hit, giving up\n`);
      return;
    }
    host.starting = true;
    const fetched = await fetchBundle(host).finally(() => {
      host.starting = false;
    });
    if (host.stopping) return;
    if (!fetched) return restartLater(host, 'fetch failed');
    const server = fork(SERVER_SCRIPT, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      env: {
        ...env(host),
        SIM_HOME_DIR: host.homeDir,
        SIM_STATE_DIR: host.stateDir,
        SIM_QUERY_PORT: String(host.queryPort),
        SIM_FAIL: host.failure ?? '',
        SIM_STEP_MS: String(options.stepMs ?? 100),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    host.server = server;
    pipe(host, server);
    server.once('spawn', () => {
      if (host.players > 0) server.send({ players: host.players } satisfies SimCommand);
    });
    server.once('exit', (code, signal) => {
      if (host.server === server) host.server = undefined;
      if (host.stopping || (code === 0 && !signal)) return;
      restartLater(host, `server exited with ${signal ?? `code ${code}`}`);
    });
  }

  function restartLater(host: SimHost, why: string): void {
    if (host.stopping) return;
    host.log.write(`simulated systemd: ${why}; restarting in ${restartMs} ms\n`);
    host.restartTimer = setTimeout(() => void startServer(host), restartMs);
  }

  async function boot(instance: Instance): Promise<void> {
    const folder = join(options.dir, instance.instanceId);
    // One home for either game: the simulated server learns its game from the bundle.
    const homeDir = join(folder, 'home');
    const stateDir = join(folder, 'state');
    await mkdir(homeDir, { recursive: true });
    await mkdir(stateDir, { recursive: true });
    const host: SimHost = {
      instance,
      homeDir,
      stateDir,
      queryPort: await freeUdpPort(),
      log: createWriteStream(join(folder, 'host.log'), { flags: 'a' }),
      failure: null,
      players: 0,
      starts: [],
      stopping: false,
      starting: false,
    };
    if (hosts.has(instance.instanceId) || instance.state !== 'running') {
      host.log.end();
      return;
    }
    hosts.set(instance.instanceId, host);
    const agent = spawn(process.execPath, [options.agentPath, 'run'], {
      env: env(host),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    host.agent = agent;
    pipe(host, agent);
    await startServer(host);
  }

  /** SIGINT to both, as systemd's KillSignal=SIGINT; SIGKILL after a grace period. */
  async function halt(instanceId: string): Promise<void> {
    const host = hosts.get(instanceId);
    if (!host) return;
    hosts.delete(instanceId);
    host.stopping = true;
    if (host.restartTimer) clearTimeout(host.restartTimer);
    await Promise.all([host.server, host.agent].map((child) => child && interrupt(child)));
    host.log.end();
  }

  const unsubscribe = options.fleet.onStateChange((instance, change) => {
    if (change.current === 'running') {
      boot(instance).catch((error: unknown) =>
        logger.error('simulated host failed to boot', {
          instanceId: instance.instanceId,
          error: error as Error,
        }),
      );
    } else if (change.previous === 'running') {
      void halt(instance.instanceId);
    }
  });

  const hostOf = (serverId: string): SimHost | undefined =>
    [...hosts.values()].find((h) => tagOf(h.instance, HOST_TAGS.server) === serverId && !h.stopping);

  return {
    setPlayers(serverId, count) {
      const host = hostOf(serverId);
      if (!host) return { kind: 'noHost' };
      host.players = count;
      if (host.server?.connected) host.server.send({ players: count } satisfies SimCommand);
      return { kind: 'ok', instanceId: host.instance.instanceId };
    },
    fail(serverId, failure) {
      const host = hostOf(serverId);
      if (!host) return { kind: 'noHost' };
      host.failure = failure;
      // The running server dies; the restart that follows fails the chosen way.
      host.server?.kill('SIGKILL');
      if (!host.server && !host.restartTimer && !host.starting) void startServer(host);
      return { kind: 'ok', instanceId: host.instance.instanceId };
    },
    async close() {
      unsubscribe();
      await Promise.all([...hosts.keys()].map(halt));
    },
  };
}

function tagOf(instance: Instance, key: string): string | undefined {
  return instance.tags.find((t) => t.key === key)?.value;
}

function interrupt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/** A UDP port free right now on 127.0.0.1, for one simulated server's A2S answers. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address() as AddressInfo;
      socket.close(() => resolve(port));
    });
  });
}
