import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createServerRepository } from '../../shared/adapters/dynamodb/server-repository.ts';
import { TABLE_DESIGN } from '../../shared/adapters/dynamodb/table-design.ts';
import {
  ConcurrentModificationError,
  IdempotencyKeyTakenError,
  ValidationError,
} from '../../shared/domain/errors.ts';
import { newId } from '../../shared/domain/ids.ts';
import { DEFAULT_CONFIG, type ServerRecord } from '../../shared/domain/server.ts';
import type { ServerRepository } from '../../shared/services/ports.ts';
import { FixedClock } from '../support/fakes.ts';
import { serverRecord, serverRuntime } from '../support/servers.ts';
import { createTestTable } from './support.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let repo: ServerRepository;
const clock = new FixedClock();

beforeAll(async () => {
  table = await createTestTable();
  repo = createServerRepository({ client: table.client, tableName: table.tableName, clock });
});

const server = (tenantId: string, overrides: Partial<ServerRecord> = {}): ServerRecord =>
  serverRecord(
    { tenantId, config: { ...DEFAULT_CONFIG, password: 'hunter2' }, ...overrides },
    clock.now().toISOString(),
  );
const created = { at: clock.now().toISOString(), type: 'server.created', actor: 'key_test', detail: {} };

describe('DynamoDB server repository', () => {
  it('stores and reads back a server exactly, within its tenant only', async () => {
    const s = server('t-read');
    await repo.create(s, created);
    await expect(repo.get('t-read', s.id)).resolves.toEqual(s);
    await expect(repo.get('t-other', s.id)).resolves.toBeNull();
  });

  it('lists a tenant’s servers newest first, in pages with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = server('t-list', { id: newId('srv', Date.UTC(2026, 0, 1, 0, i)) });
      ids.push(s.id);
      await repo.create(s, created);
    }
    await repo.create(server('t-list-other'), created);
    const first = await repo.list('t-list', { limit: 2 });
    const second = await repo.list('t-list', { limit: 2, cursor: first.nextCursor ?? undefined });
    const third = await repo.list('t-list', { limit: 2, cursor: second.nextCursor ?? undefined });
    expect([...first.items, ...second.items, ...third.items].map((s) => s.id)).toEqual(ids.reverse());
    expect(third.nextCursor).toBeNull();
  });

  it('refuses a cursor forged for another partition or item kind', async () => {
    const forged = Buffer.from('KEY#key_x').toString('base64url');
    await expect(repo.list('t-list', { limit: 2, cursor: forged })).rejects.toThrow(ValidationError);
    await expect(repo.list('t-list', { limit: 2, cursor: '%%%' })).rejects.toThrow(ValidationError);
  });

  it('updates only from the version it read', async () => {
    const s = server('t-update');
    await repo.create(s, created);
    const event = { ...created, type: 'server.updated' };
    await repo.update({ ...s, name: 'v2', version: 2 }, 1, event);
    await expect(repo.update({ ...s, name: 'stale', version: 2 }, 1, event)).rejects.toThrow(
      ConcurrentModificationError,
    );
    await expect(repo.get('t-update', s.id)).resolves.toMatchObject({ name: 'v2', version: 2 });
  });

  it('fails a write guarded by the heartbeat it decided on once the host has reported since', async () => {
    const runtime = (lastHeartbeatAt: string | null) => serverRuntime({ lastHeartbeatAt });
    const s = server('t-hb', { state: 'running', runtime: runtime(null) });
    await repo.create(s, created);
    const stop = (from: ServerRecord, heartbeatSeen: string | null) =>
      repo.update({ ...from, state: 'stopping', version: 2 }, 1, created, { heartbeatSeen });
    // Decided when no heartbeat had come; one comes before the write.
    await repo.recordRuntime(s, 1, runtime('2026-11-22T10:00:30.000Z'));
    await expect(stop(s, null)).rejects.toThrow(/or its host reported since/);
    await expect(stop(s, '2026-11-22T10:00:00.000Z')).rejects.toThrow(ConcurrentModificationError);
    await stop(s, '2026-11-22T10:00:30.000Z');
    await expect(repo.get('t-hb', s.id)).resolves.toMatchObject({ state: 'stopping', version: 2 });

    // "None had come", and none has: the guard holds.
    const quiet = server('t-hb', { state: 'running', runtime: runtime(null) });
    await repo.create(quiet, created);
    await stop(quiet, null);
    await expect(repo.get('t-hb', quiet.id)).resolves.toMatchObject({ state: 'stopping' });
  });

  it('lets exactly one of twenty concurrent updates from the same version win', async () => {
    const s = server('t-race');
    await repo.create(s, created);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => repo.update({ ...s, name: `w${i}`, version: 2 }, 1, created)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason),
    ).toSatisfy((reasons: unknown[]) => reasons.every((e) => e instanceof ConcurrentModificationError));
  });

  it('puts only starting, running, stopping and deleting servers in the sparse active index', async () => {
    const tenant = `t-active-${Date.now()}`;
    const states = ['stopped', 'starting', 'running', 'stopping', 'error', 'deleting'] as const;
    for (const state of states) await repo.create(server(tenant, { state }), created);
    const active: string[] = [];
    for (let shard = 0; shard < 4; shard++) {
      const result = await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          IndexName: TABLE_DESIGN.indexes.active.indexName,
          KeyConditionExpression: 'activeShard = :s AND begins_with(activeSk, :t)',
          ExpressionAttributeValues: { ':s': `ACTIVE#${shard}`, ':t': `${tenant}#` },
        }),
      );
      active.push(...(result.Items ?? []).map((i) => String(i.state)));
    }
    expect(active.sort()).toEqual(['deleting', 'running', 'starting', 'stopping']);
  });

  it('records events newest first', async () => {
    const s = server('t-events');
    await repo.create(s, created);
    clock.advance(1000);
    await repo.update({ ...s, version: 2 }, 1, {
      ...created,
      at: clock.now().toISOString(),
      type: 'server.updated',
    });
    const page = await repo.events(s.id, { limit: 10 });
    expect(page.items.map((e) => e.type)).toEqual(['server.updated', 'server.created']);
  });

  it('stores an idempotency record with the server, and refuses a second one for the key', async () => {
    const record = { key: 'k-1', fingerprint: 'f', status: 201, body: '{}' };
    await repo.create(server('t-idem'), created, record);
    await expect(repo.create(server('t-idem'), created, record)).rejects.toThrow(IdempotencyKeyTakenError);
    await expect(repo.idempotencyRecord('t-idem', 'k-1')).resolves.toEqual(record);
    await expect(repo.idempotencyRecord('t-idem-other', 'k-1')).resolves.toBeNull();
    expect((await repo.list('t-idem', { limit: 10 })).items).toHaveLength(1);
  });

  it('removes a server only from the version it read', async () => {
    const s = server('t-remove');
    await repo.create(s, created);
    await expect(repo.remove(s, 7)).rejects.toThrow(ConcurrentModificationError);
    await repo.remove(s, 1);
    await expect(repo.get('t-remove', s.id)).resolves.toBeNull();
  });
});
