/**
 * Idle shutdown as one pure decision: given a server as stored and what the reaper observed
 * this tick (the outside A2S query), is it busy, idle, unreachable or none of the reaper's
 * business, when will it stop, and what must be written. The reaper service does the I/O and
 * makes every write conditional on the version this decision was made from.
 *
 * Two independent signals count: the host agent's heartbeat (fresh while under two minutes old;
 * its `players` is the agent's count) and the reaper's own A2S query from outside. Players on
 * either signal mean busy. With both signals present and empty, the server stops once it has
 * been empty for its window (`idle.afterMinutes`, counted from the last player seen, or from the
 * start) and is past its start grace and any keepalive. With no signal at all for the window, a
 * dead host still costs money: it stops as `unreachable` (a keepalive does not defer that: it is
 * for a planned break on a live server).
 */
import type { ServerRecord, ServerRuntime } from './server.ts';

/** The actor of everything the reaper does, in a server's events. */
export const IDLE_ACTOR = 'idle-reaper';

/** A heartbeat younger than this is a signal. */
export const HEARTBEAT_FRESH_MS = 120_000;

/**
 * The reaper writes `lastPlayerSeenAt` (and `lastAnsweredAt`) only once the stored value lags
 * this far behind: a busy server whose agent already records its players costs no reaper write,
 * and the recorded time stays within about one tick of the truth.
 */
export const RECORD_AFTER_MS = 60_000;

/** How far `POST /v1/servers/{id}/keepalive` may push the idle stop out, in minutes. */
export const KEEPALIVE_MINUTES = { min: 1, max: 720 } as const;

const MINUTE_MS = 60_000;

/** What the reaper saw of the server this tick. */
export interface IdleObservation {
  readonly now: Date;
  /**
   * The players the outside A2S query answered; `null` when it did not answer, or was not asked
   * (the server has no address yet, or a fresh heartbeat already counts players).
   */
  readonly queried: number | null;
}

/** The runtime fields the reaper records; written without a new version, like a heartbeat. */
export type IdleChanges = Partial<Pick<ServerRuntime, 'lastPlayerSeenAt' | 'lastAnsweredAt' | 'idleStopAt'>>;

export type StopReason = 'idle' | 'unreachable';

export type IdleAction =
  | { readonly kind: 'none' }
  /** Record observations (a conditional write of these runtime fields only). */
  | { readonly kind: 'record'; readonly changes: IdleChanges }
  /** Stop the server with this reason (a conditional transition to `stopping`). */
  | { readonly kind: 'stop'; readonly reason: StopReason };

export type IdleStatus = 'busy' | 'idle' | 'unreachable' | 'skip';

export interface IdleDecision {
  readonly status: IdleStatus;
  /**
   * Why, in a word: `players` (busy), `empty` (idle), `no-signal` (unreachable), or why it was
   * skipped: `not-running`, `auto-stop-off`, `no-runtime`.
   */
  readonly why: 'players' | 'empty' | 'no-signal' | 'not-running' | 'auto-stop-off' | 'no-runtime';
  /** The players counted this tick (the larger of the two signals); `null` without a signal. */
  readonly players: number | null;
  /** When the server stops if nothing changes; `null` when busy or skipped. */
  readonly idleStopAt: string | null;
  readonly action: IdleAction;
}

const none: IdleAction = { kind: 'none' };
const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);
const iso = (time: number): string => new Date(time).toISOString();
const latest = (...times: (number | null)[]): number =>
  Math.max(...times.filter((t): t is number => t !== null && !Number.isNaN(t)));

/** The heartbeat's player count while it is fresh, else `null` (no signal from the agent). */
export function heartbeatPlayers(runtime: ServerRuntime, now: Date): number | null {
  const at = ms(runtime.lastHeartbeatAt);
  if (at === null || Number.isNaN(at)) return null;
  // A heartbeat stamped a little ahead (another function's clock) is fresh, not stale.
  return now.getTime() - at < HEARTBEAT_FRESH_MS ? runtime.players : null;
}

/**
 * Whether the reaper should spend an A2S query on this server: it is watched, has an address,
 * and no fresh heartbeat already counts players (which makes it busy whatever A2S says).
 */
export function needsQuery(server: ServerRecord, now: Date): boolean {
  const runtime = server.runtime;
  if (server.state !== 'running' || !server.idle.autoStop || !runtime?.address) return false;
  return !((heartbeatPlayers(runtime, now) ?? 0) > 0);
}

/**
 * When an empty server stops: its window after the last player (or the start), never inside the
 * start grace, never before a keepalive ends.
 */
export function idleStopTime(server: ServerRecord, runtime: ServerRuntime): number {
  const started = startOf(server, runtime);
  return latest(
    started + server.idle.startGraceMinutes * MINUTE_MS,
    latest(ms(runtime.lastPlayerSeenAt), started) + server.idle.afterMinutes * MINUTE_MS,
    ms(runtime.keepaliveUntil ?? null),
  );
}

/** When a server without any signal stops: a window after it was last heard from, past its start grace. */
export function unreachableStopTime(server: ServerRecord, runtime: ServerRuntime): number {
  const started = startOf(server, runtime);
  const lastHeard = latest(
    ms(runtime.lastHeartbeatAt),
    ms(runtime.lastAnsweredAt ?? null),
    ms(runtime.lastPlayerSeenAt),
    started,
  );
  return latest(
    started + server.idle.startGraceMinutes * MINUTE_MS,
    lastHeard + server.idle.afterMinutes * MINUTE_MS,
  );
}

export function decideIdle(server: ServerRecord, observation: IdleObservation): IdleDecision {
  const runtime = server.runtime;
  if (server.state !== 'running') return skip('not-running', null);
  if (!runtime) return skip('no-runtime', null);
  // Auto-stop off: never stopped, and no stop time shown (one left from before is cleared).
  if (!server.idle.autoStop)
    return skip('auto-stop-off', runtime.idleStopAt !== null ? { idleStopAt: null } : null);

  const now = observation.now.getTime();
  const fromAgent = heartbeatPlayers(runtime, observation.now);
  const fromQuery = observation.queried;
  const signalled = fromAgent !== null || fromQuery !== null;
  const players = signalled ? Math.max(fromAgent ?? 0, fromQuery ?? 0) : null;
  const lags = (stored: string | null | undefined) => {
    const at = ms(stored);
    return at === null || Number.isNaN(at) || now - at >= RECORD_AFTER_MS;
  };

  if (players !== null && players > 0) {
    const changes: IdleChanges = {
      ...(lags(runtime.lastPlayerSeenAt) ? { lastPlayerSeenAt: iso(now) } : {}),
      ...(runtime.idleStopAt !== null ? { idleStopAt: null } : {}),
    };
    return { status: 'busy', why: 'players', players, idleStopAt: null, action: record(changes) };
  }

  if (signalled) {
    const stopAt = idleStopTime(server, runtime);
    if (now >= stopAt) return stopped('idle', 'empty', players, stopAt);
    // The agent is silent but the game answers: remember that, or the unreachable check would
    // soon count the silence alone.
    const answered = fromAgent === null && fromQuery !== null && lags(runtime.lastAnsweredAt);
    const changes: IdleChanges = {
      ...(answered ? { lastAnsweredAt: iso(now) } : {}),
      ...(ms(runtime.idleStopAt) !== stopAt ? { idleStopAt: iso(stopAt) } : {}),
    };
    return { status: 'idle', why: 'empty', players, idleStopAt: iso(stopAt), action: record(changes) };
  }

  const stopAt = unreachableStopTime(server, runtime);
  if (now >= stopAt) return stopped('unreachable', 'no-signal', null, stopAt);
  const changes: IdleChanges = ms(runtime.idleStopAt) !== stopAt ? { idleStopAt: iso(stopAt) } : {};
  return {
    status: 'unreachable',
    why: 'no-signal',
    players: null,
    idleStopAt: iso(stopAt),
    action: record(changes),
  };
}

/**
 * The runtime after a keepalive of `minutes` from `now`: the idle stop moves with it, unless the
 * server counts as busy (no stop time shown), which it keeps until the reaper next decides.
 */
export function withKeepalive(
  server: ServerRecord,
  runtime: ServerRuntime,
  now: Date,
  minutes: number,
): ServerRuntime {
  const next: ServerRuntime = { ...runtime, keepaliveUntil: iso(now.getTime() + minutes * MINUTE_MS) };
  const shown = server.state === 'running' && server.idle.autoStop && runtime.idleStopAt !== null;
  return { ...next, idleStopAt: shown ? iso(idleStopTime(server, next)) : runtime.idleStopAt };
}

function startOf(server: ServerRecord, runtime: ServerRuntime): number {
  const started = ms(runtime.startedAt);
  return started === null || Number.isNaN(started) ? Date.parse(server.updatedAt) : started;
}

function record(changes: IdleChanges): IdleAction {
  return Object.keys(changes).length > 0 ? { kind: 'record', changes } : none;
}

function skip(
  why: 'not-running' | 'auto-stop-off' | 'no-runtime',
  changes: IdleChanges | null,
): IdleDecision {
  return { status: 'skip', why, players: null, idleStopAt: null, action: changes ? record(changes) : none };
}

function stopped(
  reason: StopReason,
  why: 'empty' | 'no-signal',
  players: number | null,
  stopAt: number,
): IdleDecision {
  return {
    status: reason === 'idle' ? 'idle' : 'unreachable',
    why,
    players,
    idleStopAt: iso(stopAt),
    action: { kind: 'stop', reason },
  };
}
