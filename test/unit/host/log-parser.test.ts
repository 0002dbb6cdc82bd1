import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../host/agent/log-parser.ts';
import { SESSION_LOG } from './log-excerpts.ts';

describe('parseLogLine', () => {
  it('reads readiness, the search id and the periodic count', () => {
    expect(parseLogLine('00:00:06.020 : [MP] Session running.')).toEqual({
      kind: 'ready',
      sinceStartMs: 6020,
    });
    expect(parseLogLine('00:00:05.913 : [MP] Session search id: 85568392925767505/101')).toEqual({
      kind: 'search-id',
      searchId: '85568392925767505/101',
      sinceStartMs: 5913,
    });
    expect(parseLogLine('03:09:04.777 : [MP] State: running;  Time: 11344626;  Players: 7')).toEqual({
      kind: 'state',
      state: 'running',
      players: 7,
      sinceStartMs: ((3 * 60 + 9) * 60 + 4) * 1000 + 777,
    });
  });

  it.each([
    ['Some Name', 10],
    ['Jan [NL] Kowalski', 3],
    ['D.J. Trucker', 12],
    ['[VTC] Ghost.Rider', 7],
    ['Steam', 4],
    ['Łukasz Wiśniewski', 5],
  ])('reads joins and leaves of %j', (name, clientId) => {
    expect(parseLogLine(`00:10:00.000 : [MP] ${name} connected, client_id = ${clientId}`)).toMatchObject({
      kind: 'player-connected',
      name,
      clientId,
    });
    expect(parseLogLine(`00:20:00.000 : [MP] ${name} disconnected, client_id = ${clientId}`)).toMatchObject({
      kind: 'player-disconnected',
      name,
      clientId,
    });
  });

  it('ignores chat echoes and the Steam connection line', () => {
    expect(parseLogLine('00:03:12.102 : [MP] [Chat] Jan connected, client_id = 10')).toBeNull();
    expect(parseLogLine('00:00:05.412 : [MP] Steam connected')).toBeNull();
    expect(parseLogLine('00:00:00.004 : [MP] Loading server config')).toBeNull();
    expect(parseLogLine('')).toBeNull();
  });

  it('maps logon failures: 106 to an expired token, 15 and others to a rejected one', () => {
    expect(parseLogLine('00:00:04.201 : [MP] Error: Steam log on failed - code 106 .')).toMatchObject({
      kind: 'logon-failed',
      code: 106,
      reason: 'logon-token-expired',
    });
    expect(parseLogLine('00:00:04.201 : [MP] Error: Steam log on failed - code 15 .')).toMatchObject({
      kind: 'logon-failed',
      code: 15,
      reason: 'logon-token-rejected',
    });
    expect(parseLogLine('[MP] Error: Steam log on failed - code 5 .')).toMatchObject({
      reason: 'logon-token-rejected',
    });
  });

  it('reads Steam loss and session closing', () => {
    expect(parseLogLine('03:09:04.777 : [MP] Steam disconnected')).toMatchObject({
      kind: 'steam-disconnected',
    });
    expect(parseLogLine('03:09:04.901 : [MP] Session closing')).toMatchObject({ kind: 'session-closing' });
  });

  it('reads the game version with the default pattern and with a configured one', () => {
    expect(
      parseLogLine('00:00:00.000 : Euro Truck Simulator 2 init ver.1.53.1.0s (rev. 8c3e4b7a1d2f) linux_x64'),
    ).toEqual({ kind: 'game-version', version: '1.53.1.0s', sinceStartMs: 0 });
    expect(
      parseLogLine('00:00:00.000 : American Truck Simulator init ver.1.53.2.4s (rev. 0a1b)'),
    ).toMatchObject({
      version: '1.53.2.4s',
    });
    const gameVersionPattern = /^Dedicated server version: (?<version>\S+)/;
    expect(
      parseLogLine('00:00:00.001 : Dedicated server version: 1.54.0.1', { gameVersionPattern }),
    ).toMatchObject({
      kind: 'game-version',
      version: '1.54.0.1',
    });
  });

  it('accepts lines without the time prefix and with a CRLF ending', () => {
    expect(parseLogLine('[MP] Session running.\r')).toEqual({ kind: 'ready', sinceStartMs: null });
  });

  it('finds exactly the interesting lines of a session log', () => {
    const kinds = SESSION_LOG.split('\n').flatMap((line) => parseLogLine(line)?.kind ?? []);

    expect(kinds).toEqual([
      'game-version',
      'search-id',
      'ready',
      'player-connected',
      'player-connected',
      'state',
      'player-disconnected',
    ]);
  });
});
