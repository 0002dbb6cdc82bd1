import { describe, expect, it } from 'vitest';
import type { UsageInterval } from '../../../shared/domain/run.ts';
import type { ServerRecord } from '../../../shared/domain/server.ts';
import { DEFAULT_PRICES } from '../../../shared/domain/usage.ts';
import type { UsageRepository } from '../../../shared/services/ports.ts';
import { createUsageService } from '../../../shared/services/usage.ts';
import { FixedClock, InMemoryServerRepository } from '../../support/fakes.ts';
import { admin } from '../../support/principals.ts';
import { serverRecord } from '../../support/servers.ts';

const A = 'srv_01kb0000000000000000000000';
const B = 'srv_01kb0000000000000000000001';
const GONE = 'srv_01kb0000000000000000000002';

const server = (id: string, overrides: Partial<ServerRecord> = {}): ServerRecord =>
  serverRecord({ id, ...overrides });

/** The usage items as stored: filtered as the Query filters them. */
class InMemoryUsage implements UsageRepository {
  constructor(readonly items: UsageInterval[]) {}
  async closed(_tenantId: string, from: Date, before: Date, serverId?: string) {
    return this.items.filter(
      (i) =>
        Date.parse(i.endedAt ?? '') >= from.getTime() &&
        Date.parse(i.startedAt) < before.getTime() &&
        (!serverId || i.serverId === serverId),
    );
  }
}

function setup() {
  // Prepare: A ran 2 h and runs now (since 08:00, so 2 h more); B never ran; GONE ran 1 h and was deleted.
  const clock = new FixedClock(new Date('2026-11-22T10:00:00.000Z'));
  const servers = new InMemoryServerRepository();
  servers.servers.set(
    A,
    server(A, { state: 'running', run: { startedAt: '2026-11-22T08:00:00.000Z', instanceType: 't3.large' } }),
  );
  servers.servers.set(B, server(B));
  const usage = new InMemoryUsage([
    {
      kind: 'run',
      serverId: A,
      startedAt: '2026-11-02T10:00:00.000Z',
      endedAt: '2026-11-02T12:00:00.000Z',
      instanceType: 't3.medium',
    },
    {
      kind: 'run',
      serverId: GONE,
      startedAt: '2026-11-03T10:00:00.000Z',
      endedAt: '2026-11-03T11:00:00.000Z',
      instanceType: 't3.medium',
    },
    {
      kind: 'volume',
      serverId: GONE,
      startedAt: '2026-11-01T00:00:00.000Z',
      endedAt: '2026-11-04T00:00:00.000Z',
    },
  ]);
  const budgets = { status: async () => null, write: async () => {} };
  return createUsageService({ servers, usage, prices: DEFAULT_PRICES, clock, budgets });
}

describe('usage service', () => {
  it('counts a server’s closed runs and its open run up to now, and says it estimates', async () => {
    const result = await setup().server(admin(), A, '2026-11');
    expect(result).toMatchObject({ estimate: true, month: '2026-11', to: '2026-11-22T10:00:00.000Z' });
    expect(result.runs.map((r) => [r.instanceType, r.hours, r.endedAt])).toEqual([
      ['t3.medium', 2, '2026-11-02T12:00:00.000Z'],
      ['t3.large', 2, null],
    ]);
    expect(result.runningHours).toBe(4);
    expect(result.cost.instanceUsd).toBeCloseTo(2 * 0.0416 + 2 * 0.0832, 9);
    expect(result.basis.instanceHourlyUsd).toEqual({ 't3.medium': 0.0416, 't3.large': 0.0832 });
  });

  it('defaults to the current month', async () => {
    expect((await setup().server(admin(), B, undefined)).month).toBe('2026-11');
  });

  it('refuses a month that is not YYYY-MM', async () => {
    await expect(setup().server(admin(), A, 'November')).rejects.toMatchObject({ status: 400 });
    await expect(setup().tenant(admin(), '2026-1')).rejects.toMatchObject({ status: 400 });
  });

  it('answers 404 for a server of another tenant or outside a restricted key', async () => {
    await expect(setup().server(admin('other'), A, '2026-11')).rejects.toMatchObject({ status: 404 });
    await expect(setup().server(admin('acme', { servers: [B] }), A, '2026-11')).rejects.toMatchObject({
      status: 404,
    });
  });

  it('adds up the tenant’s servers, deleted ones included, and a restricted key’s only', async () => {
    const all = await setup().tenant(admin(), '2026-11');
    expect(all.servers.map((s) => [s.serverId, s.deleted, s.runningHours])).toEqual([
      [A, false, 4],
      [B, false, 0],
      [GONE, true, 1],
    ]);
    expect(all.servers[2]?.volumeHours).toBe(72);
    expect(all.runningHours).toBe(5);
    expect(all.cost.totalUsd).toBeCloseTo(
      all.servers.reduce((sum, s) => sum + s.cost.totalUsd, 0),
      9,
    );
    const restricted = await setup().tenant(admin('acme', { servers: [B] }), '2026-11');
    expect(restricted.servers.map((s) => s.serverId)).toEqual([B]);
  });
});
