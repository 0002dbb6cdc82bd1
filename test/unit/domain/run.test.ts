import { describe, expect, it } from 'vitest';
import { budgetStatus, summaryAdds } from '../../../shared/domain/run.ts';

const HOUR = 3_600_000;
const ms = (iso: string) => Date.parse(iso);
const prices = { instanceHourlyUsd: { 't3.medium': 0.0416, 't3.large': 0.0832 }, ipv4HourlyUsd: 0.005 };

/** The summary item after these counter adds (as DynamoDB's ADD sums them). */
function summaryOf(...changes: Record<string, number>[]): Record<string, number> {
  const item: Record<string, number> = {};
  for (const adds of changes) for (const [k, v] of Object.entries(adds)) item[k] = (item[k] ?? 0) + v;
  return item;
}

const opened = (startedAt: string, instanceType = 't3.medium') => ({
  opened: { startedAt, instanceType },
  ended: null,
});
const ended = (startedAt: string, endedAt: string, instanceType = 't3.medium') => ({
  opened: null,
  ended: { kind: 'run' as const, serverId: 'srv_a', startedAt, endedAt, instanceType },
});

describe('summaryAdds', () => {
  it('counts an opened run under its start month and type', () => {
    expect(summaryAdds(opened('2026-11-05T10:00:00.000Z'))).toEqual({
      'open#2026-11#t3.medium': 1,
      'openStartMs#2026-11#t3.medium': ms('2026-11-05T10:00:00.000Z'),
    });
  });

  it('undoes the opening and adds the closed time, split at month boundaries', () => {
    const adds = summaryAdds(ended('2026-10-31T22:00:00.000Z', '2026-11-01T01:00:00.000Z'));
    expect(adds).toEqual({
      'open#2026-10#t3.medium': -1,
      'openStartMs#2026-10#t3.medium': -ms('2026-10-31T22:00:00.000Z'),
      'closedMs#2026-10#t3.medium': 2 * HOUR,
      'closedMs#2026-11#t3.medium': 1 * HOUR,
    });
  });

  it('leaves the open counters at zero once a run opened is closed', () => {
    const s = summaryOf(
      summaryAdds(opened('2026-11-05T10:00:00.000Z')),
      summaryAdds(ended('2026-11-05T10:00:00.000Z', '2026-11-05T12:00:00.000Z')),
    );
    expect(s['open#2026-11#t3.medium']).toBe(0);
    expect(s['openStartMs#2026-11#t3.medium']).toBe(0);
    expect(s['closedMs#2026-11#t3.medium']).toBe(2 * HOUR);
  });
});

describe('budgetStatus', () => {
  const now = new Date('2026-11-10T12:00:00.000Z');

  it('is null without a budget', () => {
    expect(budgetStatus(undefined, now)).toBeNull();
    expect(budgetStatus({ 'closedMs#2026-11#t3.medium': HOUR }, now)).toBeNull();
  });

  it('prices closed runs of this month, and open runs up to now (from the month start for older ones)', () => {
    const summary = {
      monthlyUsd: 1,
      prices,
      ...summaryOf(
        // 2 h closed in November, 1 h in October (not counted).
        summaryAdds(opened('2026-10-31T23:00:00.000Z')),
        summaryAdds(ended('2026-10-31T23:00:00.000Z', '2026-11-01T02:00:00.000Z')),
        // Open since 10:00 today: 2 h so far, at t3.large.
        summaryAdds(opened('2026-11-10T10:00:00.000Z', 't3.large')),
        // Open since October: all of November so far (9.5 days).
        summaryAdds(opened('2026-10-20T00:00:00.000Z')),
      ),
    };
    const status = budgetStatus(summary, now);
    const expected = 2 * (0.0416 + 0.005) + 2 * (0.0832 + 0.005) + 9.5 * 24 * (0.0416 + 0.005);
    expect(status?.spentUsd).toBeCloseTo(expected, 9);
    expect(status?.fractionUsed).toBeCloseTo(expected, 9);
  });

  it('counts a zero budget as used up', () => {
    expect(budgetStatus({ monthlyUsd: 0, prices }, now)).toEqual({
      monthlyUsd: 0,
      spentUsd: 0,
      fractionUsed: 1,
    });
  });
});
