import { describe, expect, it } from 'vitest';
import type { HostPower } from '../../../shared/domain/host-sync.ts';
import { decideSync, LAUNCH_GRACE_MS } from '../../../shared/domain/host-sync.ts';
import type { ServerRecord, ServerState } from '../../../shared/domain/server.ts';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const TIMEOUT = 60_000;

function server(
  state: ServerState,
  options: { instanceId?: string | null; age?: number } = {},
): ServerRecord {
  return {
    state,
    instanceId: options.instanceId === undefined ? 'i-1' : options.instanceId,
    updatedAt: new Date(NOW.getTime() - (options.age ?? 0)).toISOString(),
    runtime: null,
  } as ServerRecord;
}

const decide = (s: ServerRecord, power: HostPower | null) => {
  const d = decideSync(s, power ? { instanceId: 'i-1', power, address: '198.51.100.1' } : null, {
    now: NOW,
    timeoutMs: TIMEOUT,
  });
  return d.kind === 'apply' ? `${d.command.type}:${d.reason}` : d.kind;
};

describe('decideSync', () => {
  it('records a host that reached where the intent leads', () => {
    expect(decide(server('starting'), 'running')).toBe('hostRunning:host-running');
    expect(decide(server('stopping'), 'stopped')).toBe('hostStopped:host-stopped');
    expect(decide(server('deleting'), 'terminated')).toBe('hostTerminated:deleted');
    expect(decide(server('deleting'), null)).toBe('hostTerminated:deleted');
  });

  it('re-drives a transition the host has not followed, until the timeout', () => {
    expect(decide(server('starting', { instanceId: null }), null)).toBe('redrive');
    expect(decide(server('starting'), 'stopped')).toBe('redrive');
    expect(decide(server('stopping'), 'running')).toBe('redrive');
    expect(decide(server('deleting'), 'running')).toBe('redrive');
    expect(decide(server('starting', { age: TIMEOUT + 1 }), 'pending')).toBe('fail:start-timeout');
    expect(decide(server('stopping', { age: TIMEOUT + 1 }), 'running')).toBe('fail:stop-timeout');
    expect(decide(server('starting', { instanceId: null, age: TIMEOUT + 1 }), null)).toBe(
      'fail:start-timeout',
    );
  });

  it('finishes a stop without a host only once no launch can still be under way', () => {
    expect(decide(server('stopping', { instanceId: null }), null)).toBe('none');
    expect(decide(server('stopping', { instanceId: null, age: LAUNCH_GRACE_MS + 1 }), null)).toBe(
      'hostStopped:no-host',
    );
  });

  it('waits while the host is on its way', () => {
    expect(decide(server('starting'), 'pending')).toBe('none');
    expect(decide(server('stopping'), 'stopping')).toBe('none');
    expect(decide(server('deleting'), 'shutting-down')).toBe('none');
  });

  it('adopts power changes made outside the API', () => {
    expect(decide(server('running'), 'stopped')).toBe('hostStopped:reconciled');
    expect(decide(server('stopped'), 'running')).toBe('hostRunning:reconciled');
    expect(decide(server('error'), 'stopped')).toBe('hostStopped:reconciled');
    expect(decide(server('stopped'), 'stopped')).toBe('none');
  });

  it('forgets a host that is gone, so the next start launches anew', () => {
    expect(decide(server('running'), 'terminated')).toBe('hostTerminated:host-terminated');
    expect(decide(server('stopped'), null)).toBe('hostTerminated:host-terminated');
    expect(decide(server('stopped', { instanceId: null }), null)).toBe('none');
  });

  it('records a new address of a running host', () => {
    expect(decide(server('running'), 'running')).toBe('address');
  });
});
