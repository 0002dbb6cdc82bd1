/**
 * `agent.mjs run`: follows the server's log into a `LogState`, checks the player count with an
 * A2S query to its own server on loopback, and heartbeats the control plane every interval, and
 * at once when readiness, the search id, the players or a failure change. A logon failure from
 * the log, or a crash loop (the log starting over too often), is reported as `failure`, which
 * moves the server to `error`.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeartbeatRequest, HostFailure } from '../../shared/domain/host-wire.ts';
import { GAME_VERSION, SEARCH_ID } from '../../shared/domain/host-wire.ts';
import type { HostApi } from './api.ts';
import { type CrashLoopPolicy, DEFAULT_CRASH_LOOP_POLICY, detectCrashLoop } from './crash-loop.ts';
import { queryPortOf, SERVER_FILES } from './fetch-bundle.ts';
import { followLog, type LogFollower } from './log-follower.ts';
import { parseLogLine } from './log-parser.ts';
import { INITIAL_LOG_STATE, type LogState, reduceLog } from './log-state.ts';

export const SERVER_LOG = 'server.log.txt';
export const DEFAULT_HEARTBEAT_MS = 30_000;
const DEFAULT_QUERY_PORT = 27016;
/** Changes are reported at once, but not more often than this. */
const EARLY_REPORT_MS = 250;

export type A2sProbe = (
  port: number,
) => Promise<{ readonly players: number; readonly version: string } | null>;

export interface ReporterOptions {
  readonly api: Pick<HostApi, 'heartbeat'>;
  readonly homeDir: string;
  /** @default 30000 */
  readonly heartbeatMs?: number;
  /** Asks the server's query port on loopback; `null` when it does not answer. */
  readonly a2s: A2sProbe;
  /** Overrides the config's `query_dedicated_port`. */
  readonly queryPort?: number | undefined;
  /** @default 500 */
  readonly logPollMs?: number;
  readonly crashLoop?: CrashLoopPolicy;
  readonly now?: () => number;
  readonly log?: (message: string, detail?: Record<string, unknown>) => void;
}

export interface Reporter {
  /** Builds and sends one heartbeat now (the timer calls it; tests may too). */
  report(): Promise<HeartbeatRequest>;
  /** What the log says now. */
  state(): LogState;
  stop(): Promise<void>;
}

export async function startReporter(options: ReporterOptions): Promise<Reporter> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const logPath = join(options.homeDir, SERVER_LOG);
  const startedAt = now();
  let state: LogState = INITIAL_LOG_STATE;
  const starts: number[] = [];
  // A log older than the agent is the last boot's: nothing in it describes the server now, so
  // what the first read finds there is skipped; what the server writes after that counts.
  let stale = await stat(logPath).then(
    (info) => info.mtimeMs < startedAt - 1000,
    () => false,
  );
  if (!stale) starts.push(startedAt);
  let lastSent = '';
  let sending: Promise<HeartbeatRequest> | undefined;
  let early: NodeJS.Timeout | undefined;

  const onLine = (line: string) => {
    if (stale) return;
    const event = parseLogLine(line);
    if (!event) return;
    const before = state;
    state = reduceLog(state, event);
    if (
      before.ready !== state.ready ||
      before.searchId !== state.searchId ||
      before.players !== state.players ||
      before.failure !== state.failure
    ) {
      scheduleEarly();
    }
  };

  const follower: LogFollower = followLog({
    path: logPath,
    intervalMs: options.logPollMs ?? 500,
    onLine,
    onReset: (reason) => {
      state = reduceLog(state, { kind: 'restarted' });
      starts.push(now());
      log('server started over', { reason });
      scheduleEarly();
    },
    onError: (error) => log('log follower failed', { error: error.message }),
  });

  function failure(): HostFailure | null {
    if (state.failure) return state.failure.reason;
    return detectCrashLoop(starts, now(), options.crashLoop ?? DEFAULT_CRASH_LOOP_POLICY).crashLoop
      ? 'crash-loop'
      : null;
  }

  async function queryPort(): Promise<number> {
    if (options.queryPort) return options.queryPort;
    const text = await readFile(join(options.homeDir, SERVER_FILES.config), 'utf8').catch(() => '');
    return queryPortOf(text) ?? DEFAULT_QUERY_PORT;
  }

  async function snapshot(): Promise<HeartbeatRequest> {
    let players = state.players;
    let gameVersion = state.gameVersion;
    if (state.ready) {
      // The server's own count is the truth; the log's drifts if a line is missed.
      const answer = await options.a2s(await queryPort()).catch(() => null);
      if (answer) {
        if (answer.players !== players)
          log('player count from A2S differs from the log', { a2s: answer.players, log: players });
        players = answer.players;
        gameVersion ??= answer.version;
      }
    }
    return {
      ready: state.ready,
      searchId: state.searchId && SEARCH_ID.test(state.searchId) ? state.searchId : null,
      players: Math.min(255, Math.max(0, players)),
      gameVersion: gameVersion && GAME_VERSION.test(gameVersion) ? gameVersion : null,
      failure: failure(),
    };
  }

  async function send(): Promise<HeartbeatRequest> {
    const report = await snapshot();
    try {
      const reply = await options.api.heartbeat(report);
      const summary = JSON.stringify(report);
      if (summary !== lastSent) log('heartbeat', { ...report, state: reply.state, recorded: reply.recorded });
      lastSent = summary;
    } catch (error) {
      log('heartbeat failed', { error: (error as Error).message });
    }
    return report;
  }

  let again = false;
  /** One heartbeat at a time; a change noticed while one is on its way is sent right after it. */
  const report = (): Promise<HeartbeatRequest> => {
    if (sending) {
      again = true;
      return sending;
    }
    sending = send().finally(() => {
      sending = undefined;
      if (again) {
        again = false;
        void report();
      }
    });
    return sending;
  };

  function scheduleEarly() {
    if (early) return;
    early = setTimeout(() => {
      early = undefined;
      void report();
    }, EARLY_REPORT_MS);
    early.unref?.();
  }

  await follower.poll();
  stale = false;
  const timer = setInterval(() => void report(), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  void report();

  return {
    report,
    state: () => state,
    async stop() {
      clearInterval(timer);
      if (early) clearTimeout(early);
      await follower.stop();
      await sending;
    },
  };
}
