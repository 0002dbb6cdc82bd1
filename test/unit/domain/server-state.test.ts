import { describe, expect, it } from 'vitest';
import { SERVER_STATES, type ServerState } from '../../../shared/domain/server.ts';
import { type ServerCommand, transition } from '../../../shared/domain/server-state.ts';

const outcome = (state: ServerState, command: ServerCommand) => {
  const t = transition(state, command);
  return t.kind === 'move' ? `${t.to}${t.effect ? `+${t.effect}` : ''}` : t.kind;
};

describe('transition', () => {
  it('starts from stopped or error by launching, and is idempotent while up', () => {
    expect(SERVER_STATES.map((s) => [s, outcome(s, { type: 'start' })])).toEqual([
      ['stopped', 'starting+launch'],
      ['starting', 'unchanged'],
      ['running', 'unchanged'],
      ['stopping', 'rejected'],
      ['error', 'starting+launch'],
      ['deleting', 'rejected'],
    ]);
  });

  it('stops from starting, running or error by halting, and is idempotent while down', () => {
    expect(SERVER_STATES.map((s) => [s, outcome(s, { type: 'stop' })])).toEqual([
      ['stopped', 'unchanged'],
      ['starting', 'stopping+halt'],
      ['running', 'stopping+halt'],
      ['stopping', 'unchanged'],
      ['error', 'stopping+halt'],
      ['deleting', 'rejected'],
    ]);
  });

  it('removes a server without a host at once and terminates one with a host', () => {
    expect(outcome('stopped', { type: 'delete', hasHost: false })).toBe('remove');
    expect(outcome('running', { type: 'delete', hasHost: true })).toBe('deleting+terminate');
    expect(outcome('deleting', { type: 'delete', hasHost: true })).toBe('unchanged');
  });

  it('follows the host: running, stopped, terminated', () => {
    expect(outcome('starting', { type: 'hostRunning' })).toBe('running');
    expect(outcome('stopping', { type: 'hostRunning' })).toBe('unchanged');
    expect(outcome('stopping', { type: 'hostStopped' })).toBe('stopped');
    expect(outcome('running', { type: 'hostStopped' })).toBe('stopped');
    expect(outcome('deleting', { type: 'hostTerminated' })).toBe('remove');
    expect(outcome('running', { type: 'hostTerminated' })).toBe('error');
  });

  it('moves a failed start or stop to error', () => {
    expect(outcome('starting', { type: 'fail' })).toBe('error');
    expect(outcome('stopping', { type: 'fail' })).toBe('error');
    expect(outcome('stopped', { type: 'fail' })).toBe('unchanged');
  });

  it('answers every command in every state', () => {
    const commands: ServerCommand[] = [
      { type: 'start' },
      { type: 'stop' },
      { type: 'delete', hasHost: true },
      { type: 'delete', hasHost: false },
      { type: 'hostRunning' },
      { type: 'hostStopped' },
      { type: 'hostTerminated' },
      { type: 'fail' },
    ];
    for (const state of SERVER_STATES) {
      for (const command of commands) expect(() => transition(state, command)).not.toThrow();
    }
  });
});
