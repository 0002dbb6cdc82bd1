import { describe, expect, it } from 'vitest';
import { budgetStatus, budgetWarningDue, summaryAdds } from '../../../shared/domain/run.ts';

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

describe('budgetWarningDue', () => {
  const now = new Date('2026-11-10T12:00:00.000Z');
  // 10 h closed this month at t3.medium: $0.466 of spend.
  const spent = { 'closedMs#2026-11#t3.medium': 10 * HOUR };
  const spentUsd = 10 * (0.0416 + 0.005);

  it('is due at 80 % of the budget, not below, and says how far along', () => {
    expect(budgetWarningDue({ monthlyUsd: spentUsd / 0.79, prices, ...spent }, now)).toBeNull();
    const due = budgetWarningDue({ monthlyUsd: spentUsd / 0.8, prices, ...spent }, now);
    expect(due).toMatchObject({ month: '2026-11', monthlyUsd: spentUsd / 0.8 });
    expect(due?.fractionUsed).toBeCloseTo(0.8, 9);
    expect(budgetWarningDue({ monthlyUsd: 0.1, prices, ...spent }, now)?.fractionUsed).toBeGreaterThan(1);
  });

  it('is due once a month: not again after this month’s warning, again next month', () => {
    const warned = { monthlyUsd: 0.5, prices, ...spent, budgetWarned: '2026-11' };
    expect(budgetWarningDue(warned, now)).toBeNull();
    expect(budgetWarningDue({ ...warned, budgetWarned: '2026-10' }, now)).toMatchObject({ month: '2026-11' });
  });

  it('is never due without a budget, or for a zero budget (every start is refused; nothing to warn of)', () => {
    expect(budgetWarningDue({ prices, ...spent }, now)).toBeNull();
    expect(budgetWarningDue(undefined, now)).toBeNull();
    expect(budgetWarningDue({ monthlyUsd: 0, prices, ...spent }, now)).toBeNull();
  });
});
