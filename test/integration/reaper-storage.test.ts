/**
 * The reaper's storage against DynamoDB Local: the active servers a page at a time, whole from
 * the index, and its observation writes, which touch only their own fields and only the
 * version they were decided from.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createIdleRecords } from '../../shared/adapters/dynamodb/idle-records.ts';
import { createServerIndex } from '../../shared/adapters/dynamodb/server-index.ts';
import { createServerRepository } from '../../shared/adapters/dynamodb/server-repository.ts';
import { ConcurrentModificationError } from '../../shared/domain/errors.ts';
import type { ServerRecord, ServerState } from '../../shared/domain/server.ts';
import type { IdleRecords, ServerIndex, ServerRepository } from '../../shared/services/ports.ts';
import { FixedClock } from '../support/fakes.ts';
import { serverRecord, serverRuntime } from '../support/servers.ts';
import { createTestTable } from './support.ts';

let repo: ServerRepository;
let index: ServerIndex;
/** Small pages, so that a few hundred servers make many. */
const PAGE_SIZE = 20;
let records: IdleRecords;
const clock = new FixedClock();
const now = clock.now().toISOString();
const created = { at: now, type: 'server.created', actor: 'test', detail: {} };

beforeAll(async () => {
  const table = await createTestTable();
  repo = createServerRepository({ client: table.client, tableName: table.tableName, clock });
  index = createServerIndex({
    client: table.client,
    tableName: table.tableName,
    servers: repo,
    activePageSize: PAGE_SIZE,
  });
  records = createIdleRecords({ client: table.client, tableName: table.tableName });
});

const runtime = serverRuntime({ lastHeartbeatAt: now }, now);

const server = (state: ServerState, tenantId = 'acme'): ServerRecord =>
  serverRecord(
    { tenantId, state, runtime: state === 'running' || state === 'starting' ? runtime : null },
    now,
  );

describe('activePages over DynamoDB Local', () => {
  it('reads every active server back whole, and no other, across shards and query pages', async () => {
    const states: ServerState[] = ['stopped', 'starting', 'running', 'stopping', 'error', 'deleting'];
    const all = Array.from({ length: 300 }, (_, i) => server(states[i % states.length] as ServerState));
    for (let i = 0; i < all.length; i += 50) {
      await Promise.all(all.slice(i, i + 50).map((s) => repo.create(s, created)));
    }
    const seen = new Map<string, ServerRecord>();
    let pages = 0;
    for await (const page of index.activePages()) {
      pages++;
      for (const s of page) seen.set(s.id, s);
    }
    const active = all.filter((s) => ['starting', 'running', 'stopping', 'deleting'].includes(s.state));
    expect(seen.size).toBe(active.length);
    expect(pages).toBeGreaterThanOrEqual(active.length / PAGE_SIZE);
    for (const s of active) expect(seen.get(s.id)).toEqual(s);
  });
});

describe('idle records over DynamoDB Local', () => {
  it('sets only the given runtime fields, with no new version and no event', async () => {
    const s = server('running');
    await repo.create(s, created);
    // A heartbeat meanwhile (no new version) must survive the reaper's write.
    await repo.recordRuntime(s, 1, { ...runtime, players: 3, lastHeartbeatAt: '2026-11-22T10:00:30.000Z' });
    await records.record(s, 1, { lastPlayerSeenAt: '2026-11-22T10:01:00.000Z', idleStopAt: null });
    const stored = await repo.get('acme', s.id);
    expect(stored?.version).toBe(1);
    expect(stored?.runtime).toEqual({
      ...runtime,
      players: 3,
      lastHeartbeatAt: '2026-11-22T10:00:30.000Z',
      lastPlayerSeenAt: '2026-11-22T10:01:00.000Z',
      idleStopAt: null,
    });
    expect((await repo.events(s.id, { limit: 10 })).items).toHaveLength(1);
  });

  it('refuses a write decided from another version, or once the server is no longer running', async () => {
    const s = server('running');
    await repo.create(s, created);
    await expect(records.record(s, 2, { idleStopAt: now })).rejects.toBeInstanceOf(
      ConcurrentModificationError,
    );
    await repo.update({ ...s, state: 'stopping', runtime: null, version: 2 }, 1, created);
    await expect(records.record(s, 2, { idleStopAt: now })).rejects.toBeInstanceOf(
      ConcurrentModificationError,
    );
    expect((await repo.get('acme', s.id))?.runtime).toBeNull();
  });
});
