/**
 * Turns one line of the dedicated server's `server.log.txt` into an event the agent cares about,
 * or `null`. Line formats from `../shared/domain/ets2-dedicated-server.md` ("Knowing who is on
 * the server"); lines look like `00:01:02.345 : [MP] Session running.`.
 */

export type LogonFailureReason = 'logon-token-rejected' | 'logon-token-expired';

export type LogEvent =
  | { readonly kind: 'ready' }
  | { readonly kind: 'search-id'; readonly searchId: string }
  | { readonly kind: 'state'; readonly state: string; readonly players: number }
  | { readonly kind: 'player-connected'; readonly name: string; readonly clientId: number }
  | { readonly kind: 'player-disconnected'; readonly name: string; readonly clientId: number }
  | { readonly kind: 'logon-failed'; readonly code: number; readonly reason: LogonFailureReason }
  | { readonly kind: 'steam-disconnected' }
  | { readonly kind: 'session-closing' }
  | { readonly kind: 'game-version'; readonly version: string };

export type TimedLogEvent = LogEvent & {
  /** Milliseconds since the server process started (the line's prefix), when the line had one. */
  readonly sinceStartMs: number | null;
};

export interface LogParserOptions {
  /**
   * Finds the game version; the `version` named group (or the first group) is the version.
   * UNCONFIRMED: no source quoted the dedicated server's version line. The default follows the
   * game client's `game.log.txt` first line (`Euro Truck Simulator 2 init ver.1.49.2.23s (rev. …)`),
   * which the server is assumed to share; configure another pattern if a real log shows otherwise.
   */
  readonly gameVersionPattern?: RegExp;
}

export const DEFAULT_GAME_VERSION_PATTERN =
  /^(?:Euro Truck Simulator 2|American Truck Simulator)\b.*?\binit ver\.(?<version>\d+(?:\.\d+)+\w*)/;

const PREFIX = /^(\d{2,}):(\d{2}):(\d{2})\.(\d{3}) : /;
const SEARCH_ID = /^\[MP\] Session search id: (\d+\/\d+)\s*$/;
const STATE = /^\[MP\] State: (\w+);\s+Time: \d+;\s+Players: (\d+)/;
// Greedy on the name so names holding spaces, brackets, dots or even ", client_id" still split on the last one.
const PLAYER = /^\[MP\] (.+) (connected|disconnected), client_id = (\d+)\s*$/;
const LOGON_FAILED = /^\[MP\] Error: Steam log on failed - code (\d+)/;

/**
 * 106 means the token expired or is invalid; 15 means it was made for the wrong app id. Any other
 * code is reported as rejected (with its code): the token is what an operator must check either way.
 */
export function logonFailureReason(code: number): LogonFailureReason {
  return code === 106 ? 'logon-token-expired' : 'logon-token-rejected';
}

function parseMessage(message: string, gameVersion: RegExp): LogEvent | null {
  if (message.startsWith('[MP] ')) {
    // Chat echoes of join messages would count players twice.
    if (message.startsWith('[MP] [Chat]')) return null;
    if (message === '[MP] Session running.') return { kind: 'ready' };
    if (message === '[MP] Steam disconnected') return { kind: 'steam-disconnected' };
    if (message.startsWith('[MP] Session closing')) return { kind: 'session-closing' };
    let m = SEARCH_ID.exec(message);
    if (m?.[1]) return { kind: 'search-id', searchId: m[1] };
    m = STATE.exec(message);
    if (m?.[1] && m[2]) return { kind: 'state', state: m[1], players: Number(m[2]) };
    m = PLAYER.exec(message);
    if (m?.[1] && m[3]) {
      const kind = m[2] === 'connected' ? 'player-connected' : 'player-disconnected';
      return { kind, name: m[1], clientId: Number(m[3]) };
    }
    m = LOGON_FAILED.exec(message);
    if (m?.[1]) {
      const code = Number(m[1]);
      return { kind: 'logon-failed', code, reason: logonFailureReason(code) };
    }
    return null;
  }
  const v = gameVersion.exec(message);
  const version = v?.groups?.version ?? v?.[1];
  return version ? { kind: 'game-version', version } : null;
}

export function parseLogLine(line: string, options: LogParserOptions = {}): TimedLogEvent | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const prefix = PREFIX.exec(text);
  const message = prefix ? text.slice(prefix[0].length) : text;
  const event = parseMessage(message, options.gameVersionPattern ?? DEFAULT_GAME_VERSION_PATTERN);
  if (!event) return null;
  const sinceStartMs = prefix
    ? ((Number(prefix[1]) * 60 + Number(prefix[2])) * 60 + Number(prefix[3])) * 1000 + Number(prefix[4])
    : null;
  return { ...event, sinceStartMs };
}
