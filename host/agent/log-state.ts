/**
 * What the agent knows about its server, folded from parsed log lines: a pure reducer, so a
 * heartbeat is a snapshot of this state and tests need no files.
 */
import type { LogEvent, LogonFailureReason } from './log-parser.ts';

export interface ConnectedPlayer {
  readonly clientId: number;
  readonly name: string;
}

export interface LogState {
  /** Joinable: the session runs and Steam has not dropped it. */
  readonly ready: boolean;
  readonly searchId: string | null;
  /** The last `Players: N` count, moved by joins and leaves between two such lines. */
  readonly players: number;
  readonly connected: readonly ConnectedPlayer[];
  readonly gameVersion: string | null;
  /** Cleared only when a session becomes ready again, so it survives the restarts it causes. */
  readonly failure: { readonly reason: LogonFailureReason; readonly code: number } | null;
  /** Joins and leaves since the agent started: a growing count tells the agent someone came or went. */
  readonly joined: number;
  readonly left: number;
}

export type LogStateEvent = LogEvent | { readonly kind: 'restarted' };

export const INITIAL_LOG_STATE: LogState = {
  ready: false,
  searchId: null,
  players: 0,
  connected: [],
  gameVersion: null,
  failure: null,
  joined: 0,
  left: 0,
};

export function reduceLog(state: LogState, event: LogStateEvent): LogState {
  switch (event.kind) {
    case 'ready':
      return { ...state, ready: true, failure: null };
    case 'search-id':
      return { ...state, searchId: event.searchId };
    case 'state':
      return { ...state, players: event.players };
    case 'player-connected': {
      const others = state.connected.filter((p) => p.clientId !== event.clientId);
      return {
        ...state,
        connected: [...others, { clientId: event.clientId, name: event.name }],
        players: state.players + 1,
        joined: state.joined + 1,
      };
    }
    case 'player-disconnected':
      return {
        ...state,
        connected: state.connected.filter((p) => p.clientId !== event.clientId),
        players: Math.max(0, state.players - 1),
        left: state.left + 1,
      };
    case 'logon-failed':
      return { ...state, ready: false, failure: { reason: event.reason, code: event.code } };
    case 'steam-disconnected':
    case 'session-closing':
      return { ...state, ready: false };
    case 'game-version':
      return { ...state, gameVersion: event.version };
    case 'restarted':
      // A new process starts a new log: nobody is connected and a new search id is coming.
      // The version and the failure stay until the new log says otherwise.
      return {
        ...INITIAL_LOG_STATE,
        gameVersion: state.gameVersion,
        failure: state.failure,
        joined: state.joined,
        left: state.left,
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export function foldLog(events: Iterable<LogStateEvent>, from: LogState = INITIAL_LOG_STATE): LogState {
  let state = from;
  for (const event of events) state = reduceLog(state, event);
  return state;
}
