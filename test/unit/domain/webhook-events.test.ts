import { describe, expect, it } from 'vitest';
import { eventsOfChange } from '../../../shared/domain/webhook-events.ts';

const now = new Date('2026-11-22T10:00:00.000Z');
const server = (
  state: string,
  runtime: Record<string, unknown> | null = null,
  extra: Record<string, unknown> = {},
) => ({
  entity: 'server',
  tenantId: 'acme',
  id: 'srv_1',
  name: 'Friday',
  game: 'ets2',
  state,
  stateReason: 'user',
  runtime,
  updatedAt: '2026-11-22T09:59:59.000Z',
  config: { password: 'hunter2' },
  ...extra,
});
const runtime = (over: Record<string, unknown> = {}) => ({
  ready: false,
  players: 0,
  address: '203.0.113.10',
  connectionPort: 27015,
  queryPort: 27016,
  searchId: null,
  gameVersion: null,
  ...over,
});
const types = (old: unknown, next: unknown) =>
  eventsOfChange(
    { old: old as Record<string, unknown> | null, new: next as Record<string, unknown> | null },
    now,
  ).map((e) => e.type);

describe('webhook events from table changes', () => {
  it('maps state transitions to server events, with where they came from', () => {
    expect(types(server('stopped'), server('starting'))).toEqual(['server.starting']);
    expect(types(server('running'), server('stopping'))).toEqual(['server.stopping']);
    expect(types(server('stopping'), server('stopped'))).toEqual(['server.stopped']);
    const [error] = eventsOfChange(
      { old: server('starting'), new: server('error', null, { stateReason: 'capacity' }) },
      now,
    );
    expect(error).toMatchObject({
      type: 'server.error',
      tenantId: 'acme',
      data: { from: 'starting', reason: 'capacity' },
    });
  });

  it('makes no event of a write that changes no state (a patch, a heartbeat) nor of running or deleting', () => {
    expect(types(server('stopped'), server('stopped', null, { name: 'New' }))).toEqual([]);
    expect(types(server('starting'), server('running', runtime()))).toEqual([]);
    expect(types(server('stopped'), server('deleting'))).toEqual([]);
    expect(
      types(server('running', runtime({ players: 2 })), server('running', runtime({ players: 3 }))),
    ).toEqual([]);
    expect(types(server('stopped'), null)).toEqual([]);
  });

  it('says server.ready once, when the host first reports ready, with address, port, search id and how long it took', () => {
    const startedAt = '2026-11-22T09:56:30.000Z';
    const before = server('running', runtime({ startedAt }));
    const after = server(
      'running',
      runtime({ ready: true, searchId: '85568392925767505/101', gameVersion: '1.53', startedAt }),
    );
    const [ready] = eventsOfChange({ old: before, new: after }, now);
    expect(ready).toEqual({
      type: 'server.ready',
      tenantId: 'acme',
      at: now.toISOString(),
      data: {
        serverId: 'srv_1',
        name: 'Friday',
        game: 'ets2',
        address: '203.0.113.10',
        connectionPort: 27015,
        queryPort: 27016,
        searchId: '85568392925767505/101',
        gameVersion: '1.53',
        startToReadySeconds: 210,
      },
    });
    expect(types(after, server('running', runtime({ ready: true, players: 1 })))).toEqual([]);
    expect(JSON.stringify(ready)).not.toContain('hunter2');
  });

  it('says server.empty when the last player leaves a running server', () => {
    expect(
      types(server('running', runtime({ players: 2 })), server('running', runtime({ players: 0 }))),
    ).toEqual(['server.empty']);
    expect(
      types(server('running', runtime({ players: 0 })), server('running', runtime({ players: 0 }))),
    ).toEqual([]);
  });

  it('maps a package leaving pending to package.ready or package.invalid', () => {
    const pkg = (state: string) => ({
      entity: 'package',
      tenantId: 'acme',
      id: 'pkg_1',
      name: 'Mods',
      game: 'ets2',
      state,
    });
    expect(types(pkg('pending'), pkg('ready'))).toEqual(['package.ready']);
    expect(types(pkg('pending'), pkg('invalid'))).toEqual(['package.invalid']);
    expect(types(pkg('ready'), { ...pkg('ready'), usedBy: new Set(['srv_1']) })).toEqual([]);
  });

  it('ignores other items', () => {
    expect(types(null, { entity: 'event', tenantId: 'acme', type: 'state.starting' })).toEqual([]);
    expect(types(null, { entity: 'webhook', tenantId: 'acme' })).toEqual([]);
  });
});
