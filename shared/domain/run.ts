/**
 * Runs: the time a server spends `running` (EC2 bills an instance from `running`, not from
 * `pending`, and stops billing when it leaves it). The server record carries its open run, and
 * the write that leaves `running` stores the run closed (`openOrCloseRun`, called by the
 * repository in that same conditional write). Kept apart from `./usage.ts` (prices, zod) so the
 * lifecycle's bundles carry only these few lines.
 */
import type { ServerRecord } from './server.ts';

/** The run a server is in while `running`: kept on its record, closed by the write that ends it. */
export interface OpenRun {
  readonly startedAt: string;
  /** The type actually launched (a capacity fallback may differ from the server's setting). */
  readonly instanceType: string;
}

/** A closed interval of a server's life: a run (`run`), or its whole life once deleted (`volume`). */
export interface UsageInterval {
  readonly kind: 'run' | 'volume';
  readonly serverId: string;
  readonly startedAt: string;
  /** `null` for a run still open (counted up to now). */
  readonly endedAt: string | null;
  /** Runs only. */
  readonly instanceType?: string;
}

/**
 * The record to store for `next` and the run its write opens or ends, if any: entering `running`
 * opens a run at `at` (the transition event's time), leaving it closes the open one at `at`.
 */
export function openOrCloseRun(
  next: ServerRecord,
  at: string,
): {
  readonly record: ServerRecord;
  readonly opened: OpenRun | null;
  readonly ended: UsageInterval | null;
} {
  const open = next.run ?? null;
  if (next.state === 'running') {
    if (open) return { record: next, opened: null, ended: null };
    const run = { startedAt: at, instanceType: next.hostInstanceType ?? next.instanceType };
    return { record: { ...next, run }, opened: run, ended: null };
  }
  if (!open) return { record: next, opened: null, ended: null };
  return {
    record: { ...next, run: null },
    opened: null,
    ended: { kind: 'run', serverId: next.id, ...open, endedAt: at },
  };
}

/*
 * The tenant's usage summary: one item whose counters the run writes keep up to date, so that a
 * start checks the budget with one read. Per month `m` (of the run's start) and instance type
 * `t`: `closedMs#m#t` (closed run time within month m), `open#m#t` (runs open, started in m) and
 * `openStartMs#m#t` (the sum of their start times, epoch ms).
 */

const monthKey = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const nextMonthStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/** What opening or closing a run adds to the summary's counters (a run spanning months split). */
export function summaryAdds(change: {
  readonly opened: OpenRun | null;
  readonly ended: UsageInterval | null;
}): Record<string, number> {
  const adds: Record<string, number> = {};
  const add = (name: string, n: number) => {
    adds[name] = (adds[name] ?? 0) + n;
  };
  if (change.opened) {
    const start = Date.parse(change.opened.startedAt);
    const tail = `${monthKey(start)}#${change.opened.instanceType}`;
    add(`open#${tail}`, 1);
    add(`openStartMs#${tail}`, start);
  }
  const ended = change.ended;
  if (ended?.kind === 'run' && ended.endedAt) {
    const type = ended.instanceType ?? 'unknown';
    const start = Date.parse(ended.startedAt);
    const end = Date.parse(ended.endedAt);
    add(`open#${monthKey(start)}#${type}`, -1);
    add(`openStartMs#${monthKey(start)}#${type}`, -start);
    for (let from = start; from < end; from = nextMonthStart(from)) {
      add(`closedMs#${monthKey(from)}#${type}`, Math.min(end, nextMonthStart(from)) - from);
    }
  }
  return adds;
}

/** The prices the budget check uses: a snapshot taken when the budget was set. */
export interface BudgetPrices {
  readonly instanceHourlyUsd: Readonly<Record<string, number>>;
  readonly ipv4HourlyUsd: number;
}

export interface BudgetStatus {
  readonly monthlyUsd: number;
  /** Instance and IPv4 cost of this month's runs so far (volumes are not counted). */
  readonly spentUsd: number;
  /** spentUsd / monthlyUsd: what an 80 % warning would watch. */
  readonly fractionUsed: number;
}

/** The budget status of the summary at `now` (this UTC month), or `null` without a budget. */
export function budgetStatus(summary: Record<string, unknown> | undefined, now: Date): BudgetStatus | null {
  const monthlyUsd = summary?.monthlyUsd;
  const prices = summary?.prices as BudgetPrices | undefined;
  if (typeof monthlyUsd !== 'number' || !prices) return null;
  const nowMs = now.getTime();
  const month = monthKey(nowMs);
  const monthStart = Date.parse(`${month}-01T00:00:00.000Z`);
  const msByType: Record<string, number> = {};
  for (const [name, value] of Object.entries(summary ?? {})) {
    const [counter, m, type] = name.split('#');
    if (typeof value !== 'number' || !m || !type) continue;
    let ms = 0;
    if (counter === 'closedMs' && m === month) ms = value;
    if (counter === 'open' && m === month)
      ms = value * nowMs - Number(summary?.[`openStartMs#${m}#${type}`] ?? 0);
    if (counter === 'open' && m < month) ms = value * (nowMs - monthStart);
    msByType[type] = (msByType[type] ?? 0) + ms;
  }
  let spentUsd = 0;
  for (const [type, ms] of Object.entries(msByType)) {
    spentUsd += (ms / 3_600_000) * ((prices.instanceHourlyUsd[type] ?? 0) + prices.ipv4HourlyUsd);
  }
  return { monthlyUsd, spentUsd, fractionUsed: monthlyUsd > 0 ? spentUsd / monthlyUsd : 1 };
}

/** Share of the monthly budget at which the `budget.warning` webhook goes out. */
export const BUDGET_WARNING_FRACTION = 0.8;

/** A budget warning due now: this month's, for the budget the summary has. */
export interface BudgetWarning extends BudgetStatus {
  readonly month: string;
}

/**
 * The warning due for the summary at `now`, or `null`: spend at or past 80 % of the budget and
 * no warning yet this month for this budget (`budgetWarned` holds the month of the last one;
 * setting a budget removes it, so a raised budget warns again at its own 80 %).
 */
export function budgetWarningDue(
  summary: Record<string, unknown> | undefined,
  now: Date,
): BudgetWarning | null {
  const status = budgetStatus(summary, now);
  if (!status || status.monthlyUsd <= 0 || status.fractionUsed < BUDGET_WARNING_FRACTION) return null;
  const month = monthKey(now.getTime());
  return summary?.budgetWarned === month ? null : { ...status, month };
}
