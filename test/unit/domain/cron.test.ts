import { describe, expect, it } from 'vitest';
import type { CronSpec } from '../../../shared/domain/cron.ts';
import {
  canonicalTimeZone,
  instantsOf,
  nextRuns,
  parseCron,
  parseSchedulerAt,
  parseSchedulerCron,
  shiftEarlier,
  toSchedulerAt,
  toSchedulerCron,
} from '../../../shared/domain/cron.ts';

const spec = (expression: string): CronSpec => {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};
const runs = (expression: string, zone: string, after: string, count: number) =>
  nextRuns(spec(expression), zone, new Date(after), count).map((d) => d.toISOString());

describe('parseCron', () => {
  it('reads numbers, names, ranges, steps and lists', () => {
    expect(spec('30 19 * * FRI')).toEqual({
      minutes: [30],
      hours: [19],
      days: null,
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      weekdays: [5],
    });
    expect(spec('*/15 8-10 1,15 jan-mar *')).toMatchObject({
      minutes: [0, 15, 30, 45],
      hours: [8, 9, 10],
      days: [1, 15],
      months: [1, 2, 3],
      weekdays: null,
    });
    expect(spec('0 20 * * 7').weekdays).toEqual([0]);
    expect(spec('0 20 * * 0-6').weekdays).toBeNull();
    expect(spec('5/20 0 * * *').minutes).toEqual([5, 25, 45]);
  });

  it.each([
    ['30 19 * *', /needs 5 fields/],
    ['60 19 * * *', /minute field has 60, outside 0-59/],
    ['0 24 * * *', /hour field has 24/],
    ['0 0 0 * *', /day-of-month field has 0/],
    ['0 0 * 13 *', /month field has 13/],
    ['0 0 * * 8', /day-of-week field has 8/],
    ['0 0 L * *', /is not a value it takes/],
    ['0 0 ? * *', /\?, L, W and # are not supported/],
    ['0 0 * * 5#2', /not supported/],
    ['0 0 10-5 * *', /runs backwards/],
    ['*/0 * * * *', /step of 0/],
    ['0 0 1 * MON', /both the day of the month and the day of the week/],
    ['0 0 * * FUN', /"FUN"/],
  ])('refuses %j', (expression, message) => {
    const parsed = parseCron(expression);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(message);
  });
});

describe('shiftEarlier', () => {
  it('moves a weekly time back within its day', () => {
    const shifted = shiftEarlier(spec('30 19 * * FRI'), 10);
    expect(shifted.ok && toSchedulerCron(shifted.value)).toBe('cron(20 19 ? * FRI *)');
  });

  it('borrows an hour, and a day across midnight, on weekdays', () => {
    const shifted = shiftEarlier(spec('5 0 * * MON,FRI'), 10);
    expect(shifted.ok && toSchedulerCron(shifted.value)).toBe('cron(55 23 ? * SUN,THU *)');
  });

  it('rotates an hourly time', () => {
    const shifted = shiftEarlier(spec('5 * * * *'), 10);
    expect(shifted.ok && toSchedulerCron(shifted.value)).toBe('cron(55 * * * ? *)');
  });

  it('refuses what one cron expression cannot say', () => {
    expect(shiftEarlier(spec('0,30 19 * * *'), 10).ok).toBe(false);
    expect(shiftEarlier(spec('5 0 1 * *'), 10).ok).toBe(false);
    expect(shiftEarlier(spec('5 0,12 * * MON'), 10).ok).toBe(false);
    expect(shiftEarlier(spec('5 * * * MON'), 10).ok).toBe(false);
  });
});

describe('Scheduler expressions', () => {
  it('writes cron(...) with ? on the unrestricted day field and weekday names', () => {
    expect(toSchedulerCron(spec('30 19 * * *'))).toBe('cron(30 19 * * ? *)');
    expect(toSchedulerCron(spec('0 8 1,2,3,10 * *'))).toBe('cron(0 8 1-3,10 * ? *)');
    expect(toSchedulerCron(spec('0 8 * * 1-5'))).toBe('cron(0 8 ? * MON-FRI *)');
    expect(toSchedulerCron(spec('0 8 * 6-8 SAT,SUN'))).toBe('cron(0 8 ? 6-8 SUN,SAT *)');
  });

  it('reads back what it writes, Scheduler weekday numbers included', () => {
    for (const expression of ['30 19 * * FRI', '0 8 1,2,3,10 * *', '*/20 6-9 * 3 *', '0 8 * * 1-5']) {
      const back = parseSchedulerCron(toSchedulerCron(spec(expression)));
      expect(back.ok && back.value).toEqual(spec(expression));
    }
    const numbered = parseSchedulerCron('cron(0 8 ? * 2-6 *)');
    expect(numbered.ok && numbered.value.weekdays).toEqual([1, 2, 3, 4, 5]);
    expect(parseSchedulerCron('cron(0 8 * * * *)').ok).toBe(false);
    expect(parseSchedulerCron('cron(0 8 ? * 8 *)').ok).toBe(false);
    expect(parseSchedulerCron('cron(0 8 * * ? 2027)').ok).toBe(false);
  });

  it('writes at(...) in UTC and reads it back in a zone', () => {
    const at = new Date('2026-11-27T18:20:00.000Z');
    expect(toSchedulerAt(at)).toBe('at(2026-11-27T18:20:00)');
    expect(parseSchedulerAt('at(2026-11-27T18:20:00)', 'UTC')?.toISOString()).toBe(at.toISOString());
    expect(parseSchedulerAt('at(2026-11-27T19:20:00)', 'Europe/Berlin')?.toISOString()).toBe(
      at.toISOString(),
    );
    expect(parseSchedulerAt('at(2026-03-29T02:30:00)', 'Europe/Berlin')).toBeNull();
  });
});

describe('time zones', () => {
  it('canonicalises IANA names and refuses the rest', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('+01:00')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });

  it('finds no instant in a spring gap and two in an autumn overlap', () => {
    expect(instantsOf(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin')).toEqual([]);
    expect(
      instantsOf(Date.UTC(2026, 9, 25, 2, 30), 'Europe/Berlin').map((t) => new Date(t).toISOString()),
    ).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
  });
});

describe('nextRuns across daylight-saving changes', () => {
  it('keeps a Friday 19:30 Berlin convoy at 19:30 local across the spring change', () => {
    // CET (UTC+1) until 29 March 2026, CEST (UTC+2) after.
    expect(runs('30 19 * * FRI', 'Europe/Berlin', '2026-03-20T00:00:00Z', 3)).toEqual([
      '2026-03-20T18:30:00.000Z',
      '2026-03-27T18:30:00.000Z',
      '2026-04-03T17:30:00.000Z',
    ]);
  });

  it('keeps a Friday 19:30 Berlin convoy at 19:30 local across the autumn change', () => {
    expect(runs('30 19 * * FRI', 'Europe/Berlin', '2026-10-20T00:00:00Z', 2)).toEqual([
      '2026-10-23T17:30:00.000Z',
      '2026-10-30T18:30:00.000Z',
    ]);
  });

  it('skips a Berlin time that does not exist on the spring-forward day', () => {
    expect(runs('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z',
      // 29 March: 02:00 becomes 03:00, so 02:30 never happens.
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('runs a repeated Berlin time once, at its first occurrence, on the fall-back day', () => {
    expect(runs('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual([
      // 25 October: 02:30 CEST (00:30Z) and again 02:30 CET (01:30Z); only the first runs.
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(runs('30 2 * * *', 'Europe/Berlin', '2026-10-25T00:30:00Z', 1)).toEqual([
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('skips a New York time that does not exist on the spring-forward day', () => {
    // EST (UTC-5) until 8 March 2026, 02:00 → 03:00, EDT (UTC-4) after.
    expect(runs('30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('runs a repeated New York time once on the fall-back day', () => {
    // 1 November 2026: 02:00 EDT → 01:00 EST, so 01:30 happens at 05:30Z and 06:30Z.
    expect(runs('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('keeps a weekly New York time at its local hour across both changes', () => {
    expect(runs('0 20 * * SUN', 'America/New_York', '2026-03-01T12:00:00Z', 2)).toEqual([
      '2026-03-02T01:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
    ]);
    expect(runs('0 20 * * SUN', 'America/New_York', '2026-10-25T12:00:00Z', 2)).toEqual([
      '2026-10-26T00:00:00.000Z',
      '2026-11-02T01:00:00.000Z',
    ]);
  });

  it('fires hourly times through both changes as the wall clock shows them', () => {
    expect(runs('0 * * * *', 'Europe/Berlin', '2026-03-29T00:30:00Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:00 never happened
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ]);
    expect(runs('0 * * * *', 'Europe/Berlin', '2026-10-24T23:30:00Z', 3)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      // 02:00 CET (01:00Z) is the repeat: once only.
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('finds a 29 February years ahead', () => {
    expect(runs('0 12 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T12:00:00.000Z']);
  });
});
