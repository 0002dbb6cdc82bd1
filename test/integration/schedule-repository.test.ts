import { beforeAll, describe, expect, it } from 'vitest';
import { createScheduleRepository } from '../../shared/adapters/dynamodb/schedule-repository.ts';
import { createServerRepository } from '../../shared/adapters/dynamodb/server-repository.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { CreateScheduleRequest, LastRun, ScheduleRecord } from '../../shared/domain/schedule.ts';
import { draftSchedule } from '../../shared/domain/schedule.ts';
import type { ScheduleRepository, ServerEvent } from '../../shared/services/ports.ts';
import { FixedClock } from '../support/fakes.ts';
import { createTestTable } from './support.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let repo: ScheduleRepository;
const clock = new FixedClock(new Date('2026-11-20T12:00:00.000Z'));

beforeAll(async () => {
  table = await createTestTable();
  repo = createScheduleRepository({ client: table.client, tableName: table.tableName, clock });
});

const schedule = (serverId: string, request: CreateScheduleRequest): ScheduleRecord => ({
  id: newId('sch'),
  serverId,
  tenantId: 'acme',
  ...draftSchedule(request, clock.now()),
  done: false,
  lastRun: null,
  createdAt: clock.now().toISOString(),
});
const weekly = (serverId: string) => schedule(serverId, { cron: '30 19 * * FRI', timeZone: 'Europe/Berlin' });
const once = (serverId: string) => schedule(serverId, { at: '2026-11-20T19:30:00Z' });
const run = (scheduledFor: string, outcome: LastRun['outcome'] = 'pending'): LastRun => ({
  scheduledFor,
  at: clock.now().toISOString(),
  outcome,
  detail: null,
});
const event = (detail: Record<string, unknown>): ServerEvent => ({
  at: clock.now().toISOString(),
  type: 'schedule.run',
  actor: 'schedule',
  detail,
});

describe('the schedule repository on DynamoDB Local', () => {
  it('stores, reads and lists schedules in their server partition, apart from other servers', async () => {
    const serverId = newId('srv');
    const a = weekly(serverId);
    const b = once(serverId);
    expect(await repo.create(a, 20)).toBe(true);
    expect(await repo.create(b, 20)).toBe(true);
    await repo.create(weekly(newId('srv')), 20);
    expect(await repo.get(serverId, a.id)).toEqual(a);
    expect((await repo.list(serverId)).map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('holds the live count at the limit under concurrent creates', async () => {
    const serverId = newId('srv');
    const results = await Promise.all(Array.from({ length: 8 }, () => repo.create(weekly(serverId), 5)));
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(await repo.list(serverId)).toHaveLength(5);
  });

  it('frees a place when a live schedule is removed or a one-off runs', async () => {
    const serverId = newId('srv');
    const first = once(serverId);
    const second = weekly(serverId);
    expect(await repo.create(first, 2)).toBe(true);
    expect(await repo.create(second, 2)).toBe(true);
    expect(await repo.create(weekly(serverId), 2)).toBe(false);
    expect(await repo.claimRun(first, run('2026-11-20T19:20:00.000Z'))).toBe(true);
    expect(await repo.create(weekly(serverId), 2)).toBe(true);
    expect(await repo.remove(serverId, second.id)).toBe(true);
    expect(await repo.remove(serverId, second.id)).toBe(false);
    expect(await repo.create(weekly(serverId), 2)).toBe(true);
    // The one-off that ran stays listed (done), outside the count.
    expect((await repo.get(serverId, first.id))?.done).toBe(true);
    expect(await repo.remove(serverId, first.id)).toBe(true);
    expect(await repo.create(weekly(serverId), 2)).toBe(false);
  });

  it('claims each run once, also when the same run is delivered concurrently', async () => {
    const serverId = newId('srv');
    const s = weekly(serverId);
    await repo.create(s, 20);
    const claims = await Promise.all([
      repo.claimRun(s, run('2026-11-20T18:20:00.000Z')),
      repo.claimRun(s, run('2026-11-20T18:20:00.000Z')),
    ]);
    expect(claims.sort()).toEqual([false, true]);
    expect(await repo.claimRun(s, run('2026-11-27T18:20:00.000Z'))).toBe(true);
    const oneOff = once(serverId);
    await repo.create(oneOff, 20);
    expect(await repo.claimRun(oneOff, run('2026-11-20T19:20:00.000Z'))).toBe(true);
    expect(await repo.claimRun(oneOff, run('2026-11-20T19:20:00.000Z'))).toBe(false);
    expect(await repo.claimRun(once(serverId), run('2026-11-20T19:20:00.000Z'))).toBe(false);
  });

  it("records a run's outcome on the schedule and as an event of the server", async () => {
    const serverId = newId('srv');
    const s = weekly(serverId);
    await repo.create(s, 20);
    const claim = run('2026-11-20T18:20:00.000Z');
    await repo.claimRun(s, claim);
    const finished: LastRun = { ...claim, outcome: 'failed', detail: 'No ready mod package.' };
    await repo.finishRun(s, finished, event({ scheduleId: s.id, outcome: 'failed' }));
    expect((await repo.get(serverId, s.id))?.lastRun).toEqual(finished);
    const servers = createServerRepository({ client: table.client, tableName: table.tableName, clock });
    const { items } = await servers.events(serverId, { limit: 10 });
    expect(items).toEqual([event({ scheduleId: s.id, outcome: 'failed' })]);
    // A schedule deleted meanwhile keeps only the event.
    await repo.remove(serverId, s.id);
    await repo.finishRun(s, finished, event({ scheduleId: s.id, outcome: 'failed' }));
    expect(await repo.get(serverId, s.id)).toBeNull();
  });

  it('hides run one-offs once their retention has passed', async () => {
    const serverId = newId('srv');
    const s = once(serverId);
    await repo.create(s, 20);
    await repo.claimRun(s, run('2026-11-20T19:20:00.000Z'));
    const later = createScheduleRepository({
      client: table.client,
      tableName: table.tableName,
      clock: new FixedClock(new Date('2027-01-01T00:00:00.000Z')),
    });
    expect(await later.list(serverId)).toEqual([]);
    expect(await later.get(serverId, s.id)).toBeNull();
  });
});
