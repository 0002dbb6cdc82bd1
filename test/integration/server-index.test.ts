import { beforeAll, describe, expect, it } from 'vitest';
import { createServerIndex } from '../../shared/adapters/dynamodb/server-index.ts';
import { createServerRepository } from '../../shared/adapters/dynamodb/server-repository.ts';
import type { ServerRecord } from '../../shared/domain/server.ts';
import type { ServerIndex, ServerRepository } from '../../shared/services/ports.ts';
import { FixedClock } from '../support/fakes.ts';
import { serverRecord } from '../support/servers.ts';
import { createTestTable } from './support.ts';

let repo: ServerRepository;
let index: ServerIndex;
const clock = new FixedClock();
const created = { at: clock.now().toISOString(), type: 'server.created', actor: 'test', detail: {} };

beforeAll(async () => {
  const table = await createTestTable();
  repo = createServerRepository({ client: table.client, tableName: table.tableName, clock });
  index = createServerIndex({ client: table.client, tableName: table.tableName, servers: repo });
});

const server = (overrides: Partial<ServerRecord> = {}): ServerRecord =>
  serverRecord(overrides, clock.now().toISOString());

describe('the server index over DynamoDB Local', () => {
  it('finds a server by its instance, with the launch attempt it stored', async () => {
    const s = server({ instanceId: 'i-0123456789abcdef0', launchAttempt: 2 });
    await repo.create(s, created);
    await expect(index.findByInstance('i-0123456789abcdef0')).resolves.toEqual(s);
    await expect(index.findByInstance('i-0000000000000000f')).resolves.toBeNull();
  });

  it('lists every active server across the shards, and no other', async () => {
    const states = ['stopped', 'starting', 'running', 'stopping', 'error', 'deleting'] as const;
    const servers = states.map((state) => server({ state, tenantId: 'active-test' }));
    for (const s of servers) await repo.create(s, created);
    const seen: string[] = [];
    for await (const s of index.active()) if (s.tenantId === 'active-test') seen.push(s.state);
    expect(seen.sort()).toEqual(['deleting', 'running', 'starting', 'stopping']);
  });
});
