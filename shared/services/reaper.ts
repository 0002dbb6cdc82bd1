/**
 * The idle reaper: once a minute, every active server (the sparse `active` index, a page at a
 * time, never a Scan), a bounded number at once. For each running server with auto-stop on it
 * asks the game over A2S when no fresh heartbeat already counts players, lets `decideIdle`
 * judge, and then records what it saw or stops the server. Every write is conditional on the
 * version it decided from; a write that loses a race is left to the next tick, except a stop,
 * which the lifecycle re-reads and decides again at once (with the same A2S answer).
 */
import { ConcurrentModificationError } from '../domain/errors.ts';
import type { IdleDecision, IdleStatus, StopReason } from '../domain/idle.ts';
import { decideIdle, IDLE_ACTOR, needsQuery } from '../domain/idle.ts';
import type { ServerRecord } from '../domain/server.ts';
import type { LifecycleService } from './lifecycle.ts';
import type { Clock, GameQuery, IdleRecords, ServerIndex } from './ports.ts';

export interface ReaperDeps {
  readonly index: Pick<ServerIndex, 'activePages'>;
  readonly records: IdleRecords;
  readonly query: GameQuery;
  readonly lifecycle: Pick<LifecycleService, 'stopIf'>;
  readonly clock: Clock;
  /**
   * Servers looked at at once (A2S queries and writes in flight). A query that is not answered
   * waits out its timeout, so this bounds how many silent servers one tick can get through.
   * @default 256
   */
  readonly concurrency?: number;
  /** Where per-server failures go (the logger in production); the tick goes on without them. */
  readonly onError?: (message: string, error: unknown, detail: Record<string, unknown>) => void;
}

export interface ReapReport {
  /** Servers read from the active index. */
  readonly active: number;
  /** By what the decision found (`skip`: not running, auto-stop off). */
  readonly statuses: Readonly<Record<IdleStatus, number>>;
  /** A2S queries sent, and how many were answered. */
  readonly queried: number;
  readonly answered: number;
  /** Observation writes (lastPlayerSeenAt, lastAnsweredAt, idleStopAt). */
  readonly recorded: number;
  readonly stopped: readonly { readonly serverId: string; readonly reason: StopReason }[];
  /** Writes that lost to a concurrent change: the next tick decides on the new version. */
  readonly conflicts: number;
  /** Servers whose look failed (logged through `onError`). */
  readonly failed: number;
  /** True when the deadline came before every server was looked at (the next tick goes on). */
  readonly unfinished: boolean;
}

export interface TickOptions {
  /** Epoch ms after which no further server is begun (the function's own timeout, less a margin). */
  readonly deadline?: number;
}

export function createReaper(deps: ReaperDeps) {
  const { clock, query, records } = deps;
  const concurrency = deps.concurrency ?? 256;
  const onError = deps.onError ?? (() => {});

  return {
    async tick(options: TickOptions = {}): Promise<ReapReport> {
      const statuses: Record<IdleStatus, number> = { busy: 0, idle: 0, unreachable: 0, skip: 0 };
      const stopped: { serverId: string; reason: StopReason }[] = [];
      let active = 0;
      let queried = 0;
      let answered = 0;
      let recorded = 0;
      let conflicts = 0;
      let failed = 0;

      const look = async (server: ServerRecord): Promise<void> => {
        const asked = needsQuery(server, clock.now()) && server.runtime?.address ? server.runtime : null;
        let players: number | null = null;
        if (asked?.address) {
          queried++;
          players = await query.players({ host: asked.address, port: asked.queryPort });
          if (players !== null) answered++;
        }
        const decision = decideIdle(server, { now: clock.now(), queried: players });
        statuses[decision.status]++;
        const action = decision.action;
        if (action.kind === 'record') {
          try {
            await records.record(server, server.version, action.changes);
            recorded++;
          } catch (error) {
            if (!(error instanceof ConcurrentModificationError)) throw error;
            conflicts++;
          }
        } else if (action.kind === 'stop') {
          const reason = await deps.lifecycle.stopIf(server, IDLE_ACTOR, (current) => {
            // The A2S answer is about the run it was asked of; a newer run decides without it.
            const sameRun =
              current.runtime?.startedAt === server.runtime?.startedAt &&
              current.runtime?.address === server.runtime?.address;
            const again: IdleDecision = decideIdle(current, {
              now: clock.now(),
              queried: sameRun ? players : null,
            });
            return again.action.kind === 'stop' ? again.action.reason : null;
          });
          if (reason) stopped.push({ serverId: server.id, reason: reason as StopReason });
          else conflicts++;
        }
      };

      const unfinished = await forEachBounded(
        deps.index.activePages(),
        concurrency,
        async (server) => {
          active++;
          try {
            await look(server);
          } catch (error) {
            failed++;
            onError('idle check failed; the next tick tries again', error, { serverId: server.id });
          }
        },
        () => options.deadline !== undefined && clock.now().getTime() >= options.deadline,
      );
      return { active, statuses, queried, answered, recorded, stopped, conflicts, failed, unfinished };
    },
  };
}

export type Reaper = ReturnType<typeof createReaper>;

/**
 * Runs `work` over every item of the pages with at most `limit` in flight, pulling the next page
 * while the last items of the previous one are still running. `work` must not reject. Answers
 * true when `expired` stopped it before the end.
 */
async function forEachBounded<T>(
  pages: AsyncIterable<readonly T[]>,
  limit: number,
  work: (item: T) => Promise<void>,
  expired: () => boolean,
): Promise<boolean> {
  const inFlight = new Set<Promise<void>>();
  let cut = false;
  outer: for await (const page of pages) {
    for (const item of page) {
      if (expired()) {
        cut = true;
        break outer;
      }
      while (inFlight.size >= limit) await Promise.race(inFlight);
      const running: Promise<void> = work(item).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
  }
  await Promise.all(inFlight);
  return cut;
}
