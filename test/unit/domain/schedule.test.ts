import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.ts';
import type { CreateScheduleRequest, ScheduleRecord } from '../../../shared/domain/schedule.ts';
import {
  CreateScheduleRequestSchema,
  draftSchedule,
  keepaliveMinutes,
  toScheduleView,
} from '../../../shared/domain/schedule.ts';

const NOW = new Date('2026-03-20T12:00:00.000Z');

function issuesOf(request: CreateScheduleRequest): { path: string; message: string }[] {
  try {
    draftSchedule(request, NOW);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.errors];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const record = (request: CreateScheduleRequest, extra: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
  id: 'sch_01jabcdefghjkmnpqrstvwxyz0',
  serverId: 'srv_01jabcdefghjkmnpqrstvwxyz0',
  tenantId: 'acme',
  ...draftSchedule(request, NOW),
  done: false,
  lastRun: null,
  createdAt: NOW.toISOString(),
  ...extra,
});

describe('draftSchedule', () => {
  it('plans a weekly convoy as a Scheduler cron in its zone, started 10 minutes ahead by default', () => {
    const draft = draftSchedule({ cron: '30 19 * * FRI', timeZone: 'europe/berlin' }, NOW);
    expect(draft).toMatchObject({
      cron: '30 19 * * FRI',
      timeZone: 'Europe/Berlin',
      warmupMinutes: 10,
      minRunMinutes: null,
      plan: { expression: 'cron(20 19 ? * FRI *)', timeZone: 'Europe/Berlin', once: false },
    });
  });

  it('plans a one-off at the convoy instant less the warm-up, in UTC, deleted once run', () => {
    const draft = draftSchedule({ at: '2026-03-20T19:30:00+01:00', warmupMinutes: 15 }, NOW);
    expect(draft).toMatchObject({
      at: '2026-03-20T18:30:00.000Z',
      startAt: '2026-03-20T18:15:00.000Z',
      plan: { expression: 'at(2026-03-20T18:15:00)', timeZone: 'UTC', once: true },
    });
  });

  it('starts a one-off at once when the convoy is closer than its warm-up', () => {
    const draft = draftSchedule({ at: '2026-03-20T12:05:00Z' }, NOW);
    expect(draft.startAt).toBe(NOW.toISOString());
  });

  it.each<[CreateScheduleRequest, string, RegExp]>([
    [{}, 'at', /either at .* or cron/],
    [{ at: '2026-03-21T00:00:00Z', cron: '0 0 * * *' }, 'at', /not both/],
    [{ at: '2026-03-20T11:59:00Z' }, 'at', /in the future/],
    [{ at: '2026-03-21T00:00:00Z', timeZone: 'UTC' }, 'timeZone', /cron only/],
    [{ cron: '0 0 * * *' }, 'timeZone', /is required/],
    [{ cron: '0 0 * * *', timeZone: 'Europe/Atlantis' }, 'timeZone', /IANA time zone/],
    [{ cron: '0 25 * * *', timeZone: 'UTC' }, 'cron', /hour field has 25/],
    [{ cron: '0 12 31 2 *', timeZone: 'UTC' }, 'cron', /never runs/],
    [{ cron: '0,30 19 * * *', timeZone: 'UTC' }, 'warmupMinutes', /different hours/],
  ])('refuses %j with an error at %s', (request, path, message) => {
    const issues = issuesOf(request);
    expect(issues.find((i) => i.path === path)?.message).toMatch(message);
  });

  it('refuses unknown fields and out-of-range minutes in the body schema', () => {
    const result = CreateScheduleRequestSchema.safeParse({
      cron: '0 0 * * *',
      timeZone: 'UTC',
      warmupMinutes: 121,
      minRunMinutes: 0,
      every: 'friday',
    });
    expect(result.success).toBe(false);
    const paths =
      result.error?.issues.map((i) => i.path.join('.') || (i as { keys?: string[] }).keys?.join()) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['warmupMinutes', 'minRunMinutes', 'every']));
    expect(CreateScheduleRequestSchema.safeParse({ at: '2026-03-21 19:30' }).success).toBe(false);
  });
});

describe('toScheduleView', () => {
  it('lists the next start times of a recurring schedule, DST included', () => {
    const view = toScheduleView(record({ cron: '30 19 * * FRI', timeZone: 'Europe/Berlin' }), NOW);
    expect(view.nextRunAt).toBe('2026-03-20T18:20:00.000Z');
    expect(view.upcoming.slice(0, 2)).toEqual(['2026-03-27T18:20:00.000Z', '2026-04-03T17:20:00.000Z']);
  });

  it('shows a one-off start until it has run', () => {
    const request = { at: '2026-03-20T19:30:00Z', warmupMinutes: 0 };
    expect(toScheduleView(record(request), NOW)).toMatchObject({
      nextRunAt: '2026-03-20T19:30:00.000Z',
      upcoming: [],
    });
    expect(toScheduleView(record(request, { done: true }), NOW).nextRunAt).toBeNull();
  });
});

describe('keepaliveMinutes', () => {
  it('covers the warm-up and the minimum run past the convoy time, from now', () => {
    const schedule = record({ at: '2026-03-20T19:30:00Z', warmupMinutes: 10, minRunMinutes: 120 });
    const fired = new Date('2026-03-20T19:20:00Z');
    expect(keepaliveMinutes(schedule, fired, new Date('2026-03-20T19:20:30Z'))).toBe(130);
    expect(keepaliveMinutes(record({ at: '2026-03-20T19:30:00Z' }), fired, fired)).toBeNull();
  });
});
