import { describe, expect, it } from 'vitest';
import { type LogEvent, parseLogLine } from '../../../host/agent/log-parser.ts';
import { foldLog, INITIAL_LOG_STATE, type LogStateEvent, reduceLog } from '../../../host/agent/log-state.ts';
import { EXPIRED_TOKEN_LOG, SESSION_LOG, STEAM_LOSS_LOG } from './log-excerpts.ts';

const events = (log: string): LogEvent[] => log.split('\n').flatMap((line) => parseLogLine(line) ?? []);

describe('reduceLog', () => {
  it('folds a session into readiness, search id, version and players', () => {
    const state = foldLog(events(SESSION_LOG));

    expect(state).toEqual({
      ready: true,
      searchId: '85568392925767505/101',
      players: 1,
      connected: [{ clientId: 11, name: 'D.J. Trucker' }],
      gameVersion: '1.53.1.0s',
      failure: null,
      joined: 2,
      left: 1,
    });
  });

  it('takes the periodic count as the truth over joins and leaves', () => {
    const state = foldLog([
      { kind: 'player-connected', name: 'A', clientId: 1 },
      { kind: 'state', state: 'running', players: 4 },
      { kind: 'player-disconnected', name: 'B', clientId: 2 },
      { kind: 'player-disconnected', name: 'C', clientId: 3 },
    ]);

    expect(state.players).toBe(2);
  });

  it('never counts below zero', () => {
    expect(foldLog([{ kind: 'player-disconnected', name: 'ghost', clientId: 9 }]).players).toBe(0);
  });

  it('records an expired token and is not ready', () => {
    const state = foldLog(events(EXPIRED_TOKEN_LOG));

    expect(state.ready).toBe(false);
    expect(state.failure).toEqual({ reason: 'logon-token-expired', code: 106 });
    expect(state.gameVersion).toBe('1.53.2.4s');
  });

  it('stops being ready when Steam drops the session', () => {
    expect(foldLog(events(STEAM_LOSS_LOG)).ready).toBe(false);
  });

  it('starts over on a restart but keeps the failure until a session runs again', () => {
    const failed = foldLog(events(SESSION_LOG.concat(EXPIRED_TOKEN_LOG)));
    const restarted = reduceLog(failed, { kind: 'restarted' });

    expect(restarted).toMatchObject({
      ready: false,
      searchId: null,
      players: 0,
      connected: [],
      failure: { reason: 'logon-token-expired' },
      gameVersion: '1.53.2.4s',
    });
    const recovered = foldLog(events(SESSION_LOG), restarted);
    expect(recovered.failure).toBeNull();
    expect(recovered.ready).toBe(true);
  });

  it('does not list a player twice when a client id reconnects without a leave line', () => {
    const joins: LogStateEvent[] = [
      { kind: 'player-connected', name: 'A', clientId: 1 },
      { kind: 'player-connected', name: 'A', clientId: 1 },
    ];

    expect(foldLog(joins).connected).toEqual([{ clientId: 1, name: 'A' }]);
    expect(INITIAL_LOG_STATE.players).toBe(0);
  });
});
