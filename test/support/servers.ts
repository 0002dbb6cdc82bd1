/** Stored servers for tests: what a new server is, so each test names only what it is about. */
import { newId } from '../../shared/domain/ids.ts';
import type { ServerRecord, ServerRuntime } from '../../shared/domain/server.ts';
import { DEFAULT_CONFIG, DEFAULT_IDLE } from '../../shared/domain/server.ts';

/** A stopped ETS2 server of tenant `acme` created at `at` (default a fixed instant), with `overrides`. */
export function serverRecord(
  overrides: Partial<ServerRecord> = {},
  at = '2026-11-01T00:00:00.000Z',
): ServerRecord {
  return {
    id: newId('srv'),
    tenantId: 'acme',
    name: 'Convoy',
    game: 'ets2',
    state: 'stopped',
    stateReason: null,
    config: DEFAULT_CONFIG,
    packageId: null,
    branch: 'public',
    instanceType: 't3.medium',
    idle: DEFAULT_IDLE,
    runtime: null,
    instanceId: null,
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

/**
 * What a host of a ready, empty server reports, started at `startedAt` (default a fixed instant),
 * with `overrides`: no heartbeat, player or answer yet unless given.
 */
export function serverRuntime(
  overrides: Partial<ServerRuntime> = {},
  startedAt = '2026-11-01T00:00:00.000Z',
): ServerRuntime {
  return {
    address: '198.51.100.7',
    connectionPort: 27015,
    queryPort: 27016,
    searchId: null,
    ready: true,
    players: 0,
    maxPlayers: 8,
    gameVersion: null,
    startedAt,
    lastPlayerSeenAt: null,
    lastHeartbeatAt: null,
    lastAnsweredAt: null,
    keepaliveUntil: null,
    idleStopAt: null,
    ...overrides,
  };
}
