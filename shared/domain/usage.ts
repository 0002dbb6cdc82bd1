/**
 * Uptime and estimated cost of the runs recorded by `./run.ts`. The cost is an estimate from a
 * price table the operator configures: never an AWS bill.
 */
import type { UsageInterval } from './run.ts';
import * as z from './zod.ts';

const usd = z.number().check(z.gte(0), z.lte(1000));

/** The operator's price table (`CONVOY_PRICES`, JSON); every field optional over the defaults. */
export const PriceTableSchema = z.strictObject({
  /** On-demand USD per hour, by instance type. */
  instanceHourlyUsd: z.optional(z.record(z.string().check(z.regex(/^[a-z0-9]+\.[a-z0-9]+$/)), usd)),
  /** USD per hour of a public IPv4 address (charged while a running host holds one). */
  ipv4HourlyUsd: z.optional(usd),
  /** The root volume each server keeps while it exists. */
  volumeGb: z.optional(z.int().check(z.gte(1), z.lte(16384))),
  volumeGbMonthUsd: z.optional(usd),
  /** Where the prices come from, shown in every answer. */
  source: z.optional(z.string().check(z.maxLength(200))),
});

export interface PriceTable {
  readonly instanceHourlyUsd: Readonly<Record<string, number>>;
  readonly ipv4HourlyUsd: number;
  readonly volumeGb: number;
  readonly volumeGbMonthUsd: number;
  readonly source: string;
}

export const DEFAULT_PRICES: PriceTable = {
  instanceHourlyUsd: { 't3.medium': 0.0416, 't3a.medium': 0.0376, 't3.large': 0.0832 },
  ipv4HourlyUsd: 0.005,
  volumeGb: 30,
  volumeGbMonthUsd: 0.08,
  source: 'AWS us-east-1 on-demand list prices (Linux), gp3 root volume',
};

/** Parses the operator's JSON over the defaults; a bad table fails fast, naming the field. */
export function parsePriceTable(json: string | undefined): PriceTable {
  if (json === undefined || json.trim() === '') return DEFAULT_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('Invalid price table: not JSON');
  }
  const result = PriceTableSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid price table: ${problems.join('; ')}`);
  }
  const t = result.data;
  return {
    instanceHourlyUsd: { ...DEFAULT_PRICES.instanceHourlyUsd, ...t.instanceHourlyUsd },
    ipv4HourlyUsd: t.ipv4HourlyUsd ?? DEFAULT_PRICES.ipv4HourlyUsd,
    volumeGb: t.volumeGb ?? DEFAULT_PRICES.volumeGb,
    volumeGbMonthUsd: t.volumeGbMonthUsd ?? DEFAULT_PRICES.volumeGbMonthUsd,
    source: t.source ?? DEFAULT_PRICES.source,
  };
}

/** `PUT /v1/budget`: the tenant's monthly budget in USD, or `null` to have none. */
export const BudgetRequestSchema = z.strictObject({
  monthlyUsd: z.nullable(
    z.number().check(z.gte(0, 'must be at least 0'), z.lte(1_000_000, 'must be at most 1000000')),
  ),
});

export const MonthSchema = z
  .string()
  .check(z.regex(/^(19|20)\d\d-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM'));

export interface MonthWindow {
  readonly month: string;
  /** First instant of the month (UTC). */
  readonly start: Date;
  /** First instant of the next month. */
  readonly end: Date;
}

export function monthWindow(month: string): MonthWindow {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return { month, start: new Date(Date.UTC(year, m - 1, 1)), end: new Date(Date.UTC(year, m, 1)) };
}

export const monthOf = (date: Date): string => date.toISOString().slice(0, 7);

const HOUR_MS = 3_600_000;

/** Hours of [from, to) inside the month and before `now`: a run spanning months is split here. */
export function hoursIn(window: MonthWindow, from: string, to: string | null, now: Date): number {
  const start = Math.max(Date.parse(from), window.start.getTime());
  const end = Math.min(to === null ? now.getTime() : Date.parse(to), window.end.getTime(), now.getTime());
  return end > start ? (end - start) / HOUR_MS : 0;
}

export interface Cost {
  readonly instanceUsd: number;
  readonly ipv4Usd: number;
  readonly volumeUsd: number;
  readonly totalUsd: number;
}

export interface RunUsage {
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly instanceType: string;
  /** Within the month (and up to now). */
  readonly hours: number;
  /** Instance and IPv4 cost of these hours. */
  readonly costUsd: number;
}

export interface ServerUsage {
  readonly serverId: string;
  readonly runningHours: number;
  readonly volumeHours: number;
  readonly cost: Cost;
  readonly runs: readonly RunUsage[];
}

/** Money to a millionth of a dollar and hours to a millionth: enough to add up, no float noise. */
const round = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * One server's usage in the month: its runs (instance and IPv4 hours) and the life of its root
 * volume (`life`: from creation to deletion, or to now while it exists).
 */
export function serverUsage(
  serverId: string,
  runs: readonly UsageInterval[],
  life: { readonly startedAt: string; readonly endedAt: string | null } | null,
  window: MonthWindow,
  prices: PriceTable,
  now: Date,
): ServerUsage {
  const runUsages: RunUsage[] = [];
  let instanceUsd = 0;
  let ipv4Usd = 0;
  let runningHours = 0;
  for (const run of [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    const hours = hoursIn(window, run.startedAt, run.endedAt, now);
    if (hours === 0) continue;
    const instanceType = run.instanceType ?? 'unknown';
    const instance = hours * (prices.instanceHourlyUsd[instanceType] ?? 0);
    const ipv4 = hours * prices.ipv4HourlyUsd;
    runningHours += hours;
    instanceUsd += instance;
    ipv4Usd += ipv4;
    runUsages.push({
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      instanceType,
      hours: round(hours),
      costUsd: round(instance + ipv4),
    });
  }
  const volumeHours = life ? hoursIn(window, life.startedAt, life.endedAt, now) : 0;
  const monthHours = (window.end.getTime() - window.start.getTime()) / HOUR_MS;
  const volumeUsd = (volumeHours / monthHours) * prices.volumeGb * prices.volumeGbMonthUsd;
  return {
    serverId,
    runningHours: round(runningHours),
    volumeHours: round(volumeHours),
    cost: costOf(instanceUsd, ipv4Usd, volumeUsd),
    runs: runUsages,
  };
}

const costOf = (instanceUsd: number, ipv4Usd: number, volumeUsd: number): Cost => ({
  instanceUsd: round(instanceUsd),
  ipv4Usd: round(ipv4Usd),
  volumeUsd: round(volumeUsd),
  totalUsd: round(instanceUsd + ipv4Usd + volumeUsd),
});

/** The sum of servers' usage (for the tenant-wide answer). */
export function totalOf(usages: readonly ServerUsage[]): { runningHours: number; cost: Cost } {
  const sum = (pick: (u: ServerUsage) => number) => usages.reduce((acc, u) => acc + pick(u), 0);
  return {
    runningHours: round(sum((u) => u.runningHours)),
    cost: costOf(
      sum((u) => u.cost.instanceUsd),
      sum((u) => u.cost.ipv4Usd),
      sum((u) => u.cost.volumeUsd),
    ),
  };
}

/** What every answer says of how it was estimated. */
export function basisOf(prices: PriceTable, instanceTypes: readonly string[]) {
  const used = [...new Set(instanceTypes)];
  return {
    currency: 'USD',
    source: prices.source,
    note: 'An estimate from the recorded runs and the price table; the AWS bill is authoritative.',
    instanceHourlyUsd: Object.fromEntries(used.map((t) => [t, prices.instanceHourlyUsd[t] ?? null])),
    ipv4HourlyUsd: prices.ipv4HourlyUsd,
    volume: { gb: prices.volumeGb, type: 'gp3', gbMonthUsd: prices.volumeGbMonthUsd },
    unpricedInstanceTypes: used.filter((t) => prices.instanceHourlyUsd[t] === undefined),
  };
}
