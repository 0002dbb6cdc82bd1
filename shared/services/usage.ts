/**
 * Uptime and estimated cost per server and per tenant, for a calendar month (UTC): closed
 * intervals from the usage items, the open run from each server's record, each server's volume
 * life from its creation (to its deletion, or to now).
 */
import type { Principal } from '../domain/api-key.ts';
import { ValidationError } from '../domain/errors.ts';
import type { BudgetStatus, UsageInterval } from '../domain/run.ts';
import type { ServerRecord } from '../domain/server.ts';
import type { MonthWindow, PriceTable, ServerUsage } from '../domain/usage.ts';
import { basisOf, MonthSchema, monthOf, monthWindow, serverUsage, totalOf } from '../domain/usage.ts';
import type { Clock, ServerRepository, UsageRepository } from './ports.ts';
import { loadServer } from './server-access.ts';

export interface UsageServiceDeps {
  readonly servers: ServerRepository;
  readonly usage: UsageRepository;
  readonly prices: PriceTable;
  readonly clock: Clock;
  /** The tenant's budget on its usage summary (`adapters/dynamodb/usage-summary.ts`). */
  readonly budgets: {
    status(tenantId: string): Promise<BudgetStatus | null>;
    write(
      tenantId: string,
      monthlyUsd: number | null,
      prices: Pick<PriceTable, 'instanceHourlyUsd' | 'ipv4HourlyUsd'>,
    ): Promise<void>;
  };
}

/** Servers listed per page while summing a tenant (a Query of its partition per page). */
const SERVER_PAGE = 100;

export function createUsageService({ servers, usage, prices, clock, budgets }: UsageServiceDeps) {
  function windowOf(month: string | undefined, now: Date): MonthWindow {
    if (month === undefined) return monthWindow(monthOf(now));
    if (!MonthSchema.safeParse(month).success) {
      throw new ValidationError('The month is not valid.', [{ path: 'month', message: 'must be YYYY-MM' }]);
    }
    return monthWindow(month);
  }

  /** A live server's intervals: its closed runs, its open run, its volume from creation to now. */
  function usageOf(server: ServerRecord, closed: readonly UsageInterval[], window: MonthWindow, now: Date) {
    const runs = closed.filter((i) => i.kind === 'run' && i.serverId === server.id);
    const open: UsageInterval[] = server.run
      ? [{ kind: 'run', serverId: server.id, endedAt: null, ...server.run }]
      : [];
    return serverUsage(
      server.id,
      [...runs, ...open],
      { startedAt: server.createdAt, endedAt: null },
      window,
      prices,
      now,
    );
  }

  const header = (window: MonthWindow, now: Date, found: readonly ServerUsage[]) => ({
    month: window.month,
    from: window.start.toISOString(),
    to: new Date(
      Math.min(window.end.getTime(), Math.max(now.getTime(), window.start.getTime())),
    ).toISOString(),
    estimate: true as const,
    basis: basisOf(
      prices,
      found.flatMap((u) => u.runs.map((r) => r.instanceType)),
    ),
  });

  return {
    async server(principal: Principal, id: string, month: string | undefined) {
      const server = await loadServer(servers, principal, id);
      const now = clock.now();
      const window = windowOf(month, now);
      const closed = await usage.closed(principal.tenantId, window.start, window.end, id);
      const found = usageOf(server, closed, window, now);
      return { ...header(window, now, [found]), ...found };
    },

    async tenant(principal: Principal, month: string | undefined) {
      const now = clock.now();
      const window = windowOf(month, now);
      const live = await liveServers(principal);
      const allowed = (serverId: string) =>
        principal.servers === null || principal.servers.includes(serverId);
      const closed = (await usage.closed(principal.tenantId, window.start, window.end)).filter((i) =>
        allowed(i.serverId),
      );
      const found: (ServerUsage & { deleted: boolean })[] = live.map((server) => ({
        ...usageOf(server, closed, window, now),
        deleted: false,
      }));
      // Servers deleted since: their runs and their volume life are in the usage items alone.
      const liveIds = new Set(live.map((s) => s.id));
      const gone = [...new Set(closed.map((i) => i.serverId))].filter((sid) => !liveIds.has(sid));
      for (const serverId of gone) {
        const mine = closed.filter((i) => i.serverId === serverId);
        const life = mine.find((i) => i.kind === 'volume') ?? null;
        const runs = mine.filter((i) => i.kind === 'run');
        found.push({ ...serverUsage(serverId, runs, life, window, prices, now), deleted: true });
      }
      const servers = found
        .filter((u) => u.runningHours > 0 || u.volumeHours > 0)
        .sort((a, b) => a.serverId.localeCompare(b.serverId))
        .map(({ runs: _runs, ...rest }) => rest);
      const budget = window.month === monthOf(now) ? await budgets.status(principal.tenantId) : null;
      return { ...header(window, now, found), ...totalOf(found), servers, budget };
    },

    /**
     * Sets the monthly budget (or removes it, with `null`), checked at the instance and IPv4
     * prices in force now; answers the status this month.
     */
    async setBudget(principal: Principal, monthlyUsd: number | null) {
      const { instanceHourlyUsd, ipv4HourlyUsd } = prices;
      await budgets.write(principal.tenantId, monthlyUsd, { instanceHourlyUsd, ipv4HourlyUsd });
      const status = await budgets.status(principal.tenantId);
      return { month: monthOf(clock.now()), estimate: true as const, ...(status ?? { monthlyUsd: null }) };
    },
  };

  async function liveServers(principal: Principal): Promise<ServerRecord[]> {
    if (principal.servers !== null) {
      // A restricted key counts only its servers: a handful of Gets, no tenant-wide query.
      const found = await Promise.all(principal.servers.map((id) => servers.get(principal.tenantId, id)));
      return found.filter((s): s is ServerRecord => s !== null);
    }
    const all: ServerRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await servers.list(principal.tenantId, { limit: SERVER_PAGE, cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }
}

export type UsageService = ReturnType<typeof createUsageService>;
