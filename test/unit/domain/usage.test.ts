import { describe, expect, it } from 'vitest';
import { openOrCloseRun, type UsageInterval } from '../../../shared/domain/run.ts';
import type { ServerRecord } from '../../../shared/domain/server.ts';
import {
  DEFAULT_PRICES,
  hoursIn,
  MonthSchema,
  monthWindow,
  parsePriceTable,
  serverUsage,
  totalOf,
} from '../../../shared/domain/usage.ts';
import { serverRecord } from '../../support/servers.ts';

const november = monthWindow('2026-11');
const farFuture = new Date('2030-01-01T00:00:00Z');
const run = (startedAt: string, endedAt: string | null, instanceType = 't3.medium'): UsageInterval => ({
  kind: 'run',
  serverId: 'srv_a',
  startedAt,
  endedAt,
  instanceType,
});

const server = (overrides: Partial<ServerRecord> = {}): ServerRecord =>
  serverRecord({ id: 'srv_a', ...overrides });

describe('month windows', () => {
  it('spans the calendar month in UTC, December into January', () => {
    const december = monthWindow('2026-12');
    expect(december.start.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(december.end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(monthWindow('2028-02').end.toISOString()).toBe('2028-03-01T00:00:00.000Z');
  });

  it('accepts YYYY-MM only', () => {
    expect(MonthSchema.safeParse('2026-11').success).toBe(true);
    for (const bad of ['2026-13', '2026-1', '26-11', '2026-11-01', '']) {
      expect(MonthSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('hoursIn', () => {
  it('splits a run spanning a month boundary at the boundary', () => {
    const from = '2026-10-31T22:00:00.000Z';
    const to = '2026-11-01T03:00:00.000Z';
    expect(hoursIn(monthWindow('2026-10'), from, to, farFuture)).toBe(2);
    expect(hoursIn(november, from, to, farFuture)).toBe(3);
  });

  it('counts an open run up to now, and nothing after now', () => {
    const now = new Date('2026-11-10T12:30:00.000Z');
    expect(hoursIn(november, '2026-11-10T10:00:00.000Z', null, now)).toBe(2.5);
    expect(hoursIn(monthWindow('2026-12'), '2026-11-10T10:00:00.000Z', null, now)).toBe(0);
  });

  it('counts a run spanning a whole month as the whole month', () => {
    expect(hoursIn(november, '2026-10-01T00:00:00.000Z', null, farFuture)).toBe(30 * 24);
  });
});

describe('serverUsage', () => {
  it('prices instance and IPv4 hours per run, and sums the runs', () => {
    const usage = serverUsage(
      'srv_a',
      [
        run('2026-11-02T10:00:00.000Z', '2026-11-02T12:00:00.000Z'),
        run('2026-11-03T10:00:00.000Z', '2026-11-03T11:00:00.000Z', 't3.large'),
      ],
      null,
      november,
      DEFAULT_PRICES,
      farFuture,
    );
    expect(usage.runningHours).toBe(3);
    expect(usage.cost.instanceUsd).toBeCloseTo(2 * 0.0416 + 0.0832, 9);
    expect(usage.cost.ipv4Usd).toBeCloseTo(3 * 0.005, 9);
    expect(usage.runs.map((r) => r.hours)).toEqual([2, 1]);
    expect(usage.runs[0]?.costUsd).toBeCloseTo(2 * (0.0416 + 0.005), 9);
    const sumOfRuns = usage.runs.reduce((acc, r) => acc + r.costUsd, 0);
    expect(usage.cost.instanceUsd + usage.cost.ipv4Usd).toBeCloseTo(sumOfRuns, 6);
  });

  it('charges the volume for the part of the month the server exists', () => {
    const half = serverUsage(
      'srv_a',
      [],
      { startedAt: '2026-11-16T00:00:00.000Z', endedAt: null },
      november,
      DEFAULT_PRICES,
      farFuture,
    );
    expect(half.volumeHours).toBe(15 * 24);
    expect(half.cost.volumeUsd).toBeCloseTo(0.5 * 30 * 0.08, 9);
    expect(half.cost.totalUsd).toBe(half.cost.volumeUsd);
  });

  it('leaves out runs outside the month and prices an unknown type at nothing', () => {
    const usage = serverUsage(
      'srv_a',
      [
        run('2026-10-02T10:00:00.000Z', '2026-10-02T12:00:00.000Z'),
        run('2026-11-02T10:00:00.000Z', '2026-11-02T11:00:00.000Z', 'c6i.large'),
      ],
      null,
      november,
      DEFAULT_PRICES,
      farFuture,
    );
    expect(usage.runs).toHaveLength(1);
    expect(usage.cost.instanceUsd).toBe(0);
    expect(usage.cost.ipv4Usd).toBeCloseTo(0.005, 9);
  });

  it('adds servers up in totalOf', () => {
    const a = serverUsage(
      'a',
      [run('2026-11-02T10:00:00.000Z', '2026-11-02T11:00:00.000Z')],
      null,
      november,
      DEFAULT_PRICES,
      farFuture,
    );
    const b = serverUsage(
      'b',
      [run('2026-11-02T10:00:00.000Z', '2026-11-02T13:00:00.000Z')],
      null,
      november,
      DEFAULT_PRICES,
      farFuture,
    );
    const total = totalOf([a, b]);
    expect(total.runningHours).toBe(4);
    expect(total.cost.totalUsd).toBeCloseTo(a.cost.totalUsd + b.cost.totalUsd, 9);
  });
});

describe('openOrCloseRun', () => {
  const at = '2026-11-05T10:00:00.000Z';

  it('opens a run at the transition when a server enters running, at the launched type', () => {
    const { record, opened, ended } = openOrCloseRun(
      server({ state: 'running', hostInstanceType: 't3a.medium' }),
      at,
    );
    expect(record.run).toEqual({ startedAt: at, instanceType: 't3a.medium' });
    expect(opened).toEqual(record.run);
    expect(ended).toBeNull();
  });

  it('keeps the open run through other writes while running', () => {
    const open = { startedAt: '2026-11-05T09:00:00.000Z', instanceType: 't3.medium' };
    const { record, ended } = openOrCloseRun(server({ state: 'running', run: open }), at);
    expect(record.run).toEqual(open);
    expect(ended).toBeNull();
  });

  it('closes the open run when a server leaves running, whatever the next state', () => {
    const open = { startedAt: '2026-11-05T09:00:00.000Z', instanceType: 't3.medium' };
    for (const state of ['stopping', 'error', 'deleting'] as const) {
      const { record, ended } = openOrCloseRun(server({ state, run: open }), at);
      expect(record.run).toBeNull();
      expect(ended).toEqual({ kind: 'run', serverId: 'srv_a', ...open, endedAt: at });
    }
  });

  it('writes nothing of runs for servers that neither run nor ran', () => {
    const next = server({ state: 'starting' });
    expect(openOrCloseRun(next, at)).toEqual({ record: next, opened: null, ended: null });
  });
});

describe('parsePriceTable', () => {
  it('uses the defaults without a table', () => {
    expect(parsePriceTable(undefined)).toEqual(DEFAULT_PRICES);
    expect(parsePriceTable('  ')).toEqual(DEFAULT_PRICES);
  });

  it('lays the operator’s prices over the defaults', () => {
    const table = parsePriceTable(
      JSON.stringify({ instanceHourlyUsd: { 'c6i.large': 0.085, 't3.medium': 0.05 }, volumeGb: 50 }),
    );
    expect(table.instanceHourlyUsd).toEqual({
      't3.medium': 0.05,
      't3a.medium': 0.0376,
      't3.large': 0.0832,
      'c6i.large': 0.085,
    });
    expect(table.volumeGb).toBe(50);
    expect(table.ipv4HourlyUsd).toBe(0.005);
  });

  it('fails naming the field on a bad table', () => {
    expect(() => parsePriceTable('{"ipv4HourlyUsd": -1}')).toThrow(/ipv4HourlyUsd/);
    expect(() => parsePriceTable('{"instanceHourlyUsd": {"t3.medium": "cheap"}}')).toThrow(
      /instanceHourlyUsd/,
    );
    expect(() => parsePriceTable('{"surprise": 1}')).toThrow(/Invalid price table/);
    expect(() => parsePriceTable('{nope')).toThrow(/not JSON/);
  });
});
