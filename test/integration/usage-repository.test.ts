import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createServerRepository } from '../../shared/adapters/dynamodb/server-repository.ts';
import { createUsageRepository, writeBudget } from '../../shared/adapters/dynamodb/usage-repository.ts';
import { createBudgetReader, createBudgetWatch } from '../../shared/adapters/dynamodb/usage-summary.ts';
import type { ServerRecord, ServerState } from '../../shared/domain/server.ts';
import { DEFAULT_PRICES, monthWindow } from '../../shared/domain/usage.ts';
import type { ServerRepository, UsageRepository } from '../../shared/services/ports.ts';
import { createUsageService } from '../../shared/services/usage.ts';
import { FixedClock } from '../support/fakes.ts';
import { admin } from '../support/principals.ts';
import { serverRecord } from '../support/servers.ts';
import { createTestTable } from './support.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let servers: ServerRepository;
let usage: UsageRepository;
const clock = new FixedClock(new Date('2026-11-02T10:00:00.000Z'));
const HOUR = 3_600_000;

beforeAll(async () => {
  table = await createTestTable();
  servers = createServerRepository({ client: table.client, tableName: table.tableName, clock });
  usage = createUsageRepository(table.client, table.tableName);
});

const budgets = () => ({
  status: createBudgetReader(table.client, table.tableName, clock),
  write: (tenantId: string, usd: number | null, prices: typeof DEFAULT_PRICES) =>
    writeBudget(table.client, table.tableName, tenantId, usd, prices),
});

async function createServer(tenantId: string): Promise<ServerRecord> {
  const now = clock.now().toISOString();
  const server = serverRecord({ tenantId }, now);
  await servers.create(server, { at: now, type: 'server.created', actor: 'key_test', detail: {} });
  return server;
}

/** A transition as the lifecycle writes it: the stored record, moved, with its event. */
async function move(tenantId: string, id: string, state: ServerState, change: Partial<ServerRecord> = {}) {
  const current = (await servers.get(tenantId, id)) as ServerRecord;
  const at = clock.now().toISOString();
  await servers.update(
    { ...current, ...change, state, updatedAt: at, version: current.version + 1 },
    current.version,
    { at, type: `state.${state}`, actor: 'system', detail: { from: current.state } },
  );
}

async function runFor(tenantId: string, id: string, hours: number) {
  await move(tenantId, id, 'starting');
  clock.advance(HOUR / 60);
  await move(tenantId, id, 'running');
  clock.advance(hours * HOUR);
  await move(tenantId, id, 'stopping');
  clock.advance(HOUR / 60);
  await move(tenantId, id, 'stopped');
}

describe('usage records in DynamoDB', () => {
  it('opens a run on the record entering running and stores it closed with the write leaving it', async () => {
    const s = await createServer('t-runs');
    await move('t-runs', s.id, 'starting', { hostInstanceType: 't3a.medium' });
    clock.advance(60_000);
    await move('t-runs', s.id, 'running');
    const startedAt = clock.now().toISOString();
    expect((await servers.get('t-runs', s.id))?.run).toEqual({ startedAt, instanceType: 't3a.medium' });
    // A write while running (a patch, an address) keeps the run.
    clock.advance(HOUR);
    await move('t-runs', s.id, 'running', { name: 'renamed' });
    expect((await servers.get('t-runs', s.id))?.run?.startedAt).toBe(startedAt);
    clock.advance(HOUR);
    await move('t-runs', s.id, 'stopping');
    const endedAt = clock.now().toISOString();

    expect((await servers.get('t-runs', s.id))?.run).toBeNull();
    const { start, end } = monthWindow('2026-11');
    await expect(usage.closed('t-runs', start, end, s.id)).resolves.toEqual([
      { kind: 'run', serverId: s.id, startedAt, endedAt, instanceType: 't3a.medium' },
    ]);
  });

  it('writes no run when the transition’s write loses its race', async () => {
    const s = await createServer('t-race');
    await move('t-race', s.id, 'starting');
    await move('t-race', s.id, 'running');
    const running = (await servers.get('t-race', s.id)) as ServerRecord;
    const at = clock.now().toISOString();
    await expect(
      servers.update({ ...running, state: 'stopping', version: running.version + 1 }, running.version - 1, {
        at,
        type: 'state.stopping',
        actor: 'system',
        detail: {},
      }),
    ).rejects.toThrow(/changed since/);
    const { start, end } = monthWindow('2026-11');
    await expect(usage.closed('t-race', start, end)).resolves.toEqual([]);
  });

  it('reads a month’s intervals only, and only the tenant’s', async () => {
    const s = await createServer('t-month');
    await runFor('t-month', s.id, 2);
    const other = await createServer('t-month-other');
    await runFor('t-month-other', other.id, 1);
    const november = monthWindow('2026-11');
    const december = monthWindow('2026-12');
    const october = monthWindow('2026-10');
    expect(await usage.closed('t-month', november.start, november.end)).toHaveLength(1);
    expect(await usage.closed('t-month', december.start, december.end)).toEqual([]);
    expect(await usage.closed('t-month', october.start, october.end)).toEqual([]);
  });

  it('stores a deleted server’s volume life with its removal, with a TTL', async () => {
    const s = await createServer('t-gone');
    clock.advance(24 * HOUR);
    await move('t-gone', s.id, 'deleting');
    const current = (await servers.get('t-gone', s.id)) as ServerRecord;
    await servers.remove(current, current.version);
    const { start, end } = monthWindow('2026-11');
    const [life] = await usage.closed('t-gone', start, end);
    expect(life).toEqual({
      kind: 'volume',
      serverId: s.id,
      startedAt: s.createdAt,
      endedAt: clock.now().toISOString(),
    });
    const raw = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :usage)',
        ExpressionAttributeValues: { ':pk': 'TENANT#t-gone', ':usage': 'USAGE#' },
      }),
    );
    expect(raw.Items?.[0]?.expiresAt).toBeGreaterThan(Date.parse(life?.endedAt ?? '') / 1000 + 399 * 86_400);
  });

  it('answers usage that equals the sum of a server’s three runs, live and deleted servers in the tenant total', async () => {
    const service = createUsageService({ servers, usage, prices: DEFAULT_PRICES, clock, budgets: budgets() });
    const s = await createServer('t-three');
    for (const hours of [1, 2, 3]) await runFor('t-three', s.id, hours);
    const gone = await createServer('t-three');
    await runFor('t-three', gone.id, 1);
    await move('t-three', gone.id, 'deleting');
    const current = (await servers.get('t-three', gone.id)) as ServerRecord;
    await servers.remove(current, current.version);

    const one = await service.server(admin('t-three'), s.id, '2026-11');
    expect(one.estimate).toBe(true);
    expect(one.runs.map((r) => r.hours)).toEqual([1, 2, 3]);
    expect(one.runningHours).toBe(6);
    expect(one.cost.instanceUsd + one.cost.ipv4Usd).toBeCloseTo(
      one.runs.reduce((sum, r) => sum + r.costUsd, 0),
      6,
    );
    expect(one.cost.instanceUsd).toBeCloseTo(6 * 0.0416, 6);

    const all = await service.tenant(admin('t-three'), '2026-11');
    expect(all.servers.map((u) => [u.serverId, u.deleted, u.runningHours])).toEqual(
      [
        [s.id, false, 6],
        [gone.id, true, 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(all.runningHours).toBe(7);
    expect(all.cost.totalUsd).toBeCloseTo(
      all.servers.reduce((sum, u) => sum + u.cost.totalUsd, 0),
      6,
    );
    // Another tenant sees none of it.
    await expect(service.server(admin('t-intruder'), s.id, '2026-11')).rejects.toThrow(/No server/);
    expect((await service.tenant(admin('t-intruder'), '2026-11')).servers).toEqual([]);
  });
  it('keeps the tenant summary in step with the runs, for a budget read in one GetItem', async () => {
    const s = await createServer('t-budget');
    const status = createBudgetReader(table.client, table.tableName, clock);
    await expect(status('t-budget')).resolves.toBeNull();
    await runFor('t-budget', s.id, 2);
    await writeBudget(table.client, table.tableName, 't-budget', 1, DEFAULT_PRICES);
    const afterOne = await status('t-budget');
    expect(afterOne?.spentUsd).toBeCloseTo(2 * (0.0416 + 0.005), 9);

    // A run under way counts up to now.
    await move('t-budget', s.id, 'starting');
    await move('t-budget', s.id, 'running');
    clock.advance(HOUR);
    expect((await status('t-budget'))?.spentUsd).toBeCloseTo(3 * (0.0416 + 0.005), 9);
    expect((await status('t-budget'))?.fractionUsed).toBeCloseTo(3 * (0.0416 + 0.005), 9);

    // The service sets and reports it; null removes it.
    const service = createUsageService({ servers, usage, prices: DEFAULT_PRICES, clock, budgets: budgets() });
    await expect(service.setBudget(admin('t-budget'), 0.1)).resolves.toMatchObject({
      monthlyUsd: 0.1,
      estimate: true,
    });
    expect((await service.tenant(admin('t-budget'), undefined)).budget?.monthlyUsd).toBe(0.1);
    await expect(service.setBudget(admin('t-budget'), null)).resolves.toMatchObject({ monthlyUsd: null });
    await expect(status('t-budget')).resolves.toBeNull();
  });

  it('marks the 80 % warning once per month and budget; a budget set meanwhile wins', async () => {
    const s = await createServer('t-warn');
    const watch = createBudgetWatch(table.client, table.tableName, clock);
    await runFor('t-warn', s.id, 10); // $0.466 at the default prices
    await writeBudget(table.client, table.tableName, 't-warn', 2, DEFAULT_PRICES);
    await expect(watch.due('t-warn')).resolves.toBeNull();

    await writeBudget(table.client, table.tableName, 't-warn', 0.5, DEFAULT_PRICES);
    const due = await watch.due('t-warn');
    expect(due).toMatchObject({ monthlyUsd: 0.5, month: '2026-11' });
    // The budget changes between the read and the mark: the mark does not land on the new one.
    await writeBudget(table.client, table.tableName, 't-warn', 0.55, DEFAULT_PRICES);
    await expect(watch.markWarned('t-warn', due as NonNullable<typeof due>)).resolves.toBe(false);
    const again = await watch.due('t-warn');
    expect(again?.monthlyUsd).toBe(0.55);
    await expect(watch.markWarned('t-warn', again as NonNullable<typeof again>)).resolves.toBe(true);
    await expect(watch.due('t-warn')).resolves.toBeNull();
    // The run counters kept by the server writes leave the mark alone.
    await runFor('t-warn', s.id, 1);
    await expect(watch.due('t-warn')).resolves.toBeNull();
    // A new budget is warned of at its own 80 %.
    await writeBudget(table.client, table.tableName, 't-warn', 0.6, DEFAULT_PRICES);
    await expect(watch.due('t-warn')).resolves.toMatchObject({ monthlyUsd: 0.6 });
  });
});
