/**
 * Scheduled starts: the routes' create, list and delete, and the run that EventBridge Scheduler
 * (or the local stand-in) triggers. A schedule lives twice: its record in the table (what the
 * API shows, with its last run) and its Scheduler schedule (what fires). The record is written
 * first and the Scheduler schedule second, so nothing fires without a record; a schedule that
 * fires and finds no record (or no server) deletes itself, which is also how a deleted server's
 * schedules go.
 */
import type { Principal } from '../domain/api-key.ts';
import { ConflictError, ConvoyError, NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type {
  CreateScheduleRequest,
  FireEvent,
  LastRun,
  RunOutcome,
  ScheduleRecord,
  ScheduleView,
} from '../domain/schedule.ts';
import {
  draftSchedule,
  fireInput,
  keepaliveMinutes,
  MAX_SCHEDULES_PER_SERVER,
  SCHEDULE_ACTOR,
  ScheduleIdSchema,
  schedulerNameOf,
  toScheduleView,
} from '../domain/schedule.ts';
import type { ServerRecord } from '../domain/server.ts';
import type { KeepaliveService } from './keepalive.ts';
import type { LifecycleService } from './lifecycle.ts';
import type { Clock, Page, SchedulePlanner, ScheduleRepository, ServerRepository } from './ports.ts';
import { loadServer } from './server-access.ts';

export interface ScheduleServiceDeps {
  readonly servers: Pick<ServerRepository, 'get'>;
  readonly schedules: ScheduleRepository;
  readonly planner: SchedulePlanner;
  readonly clock: Clock;
}

export function createScheduleService({ servers, schedules, planner, clock }: ScheduleServiceDeps) {
  /** The caller's server, or 404 (another tenant's, or outside the key's restriction). */
  const load = (principal: Principal, id: string): Promise<ServerRecord> =>
    loadServer(servers, principal, id);

  async function removeOne(schedule: Pick<ScheduleRecord, 'serverId' | 'id'>): Promise<boolean> {
    const removed = await schedules.remove(schedule.serverId, schedule.id);
    // After the record: a Scheduler schedule left by a failure here finds no record and goes itself.
    await planner.remove(schedulerNameOf(schedule));
    return removed;
  }

  return {
    async create(
      principal: Principal,
      serverId: string,
      request: CreateScheduleRequest,
    ): Promise<ScheduleView> {
      const server = await load(principal, serverId);
      if (server.state === 'deleting') throw new ConflictError('The server is being deleted.');
      const now = clock.now();
      const schedule: ScheduleRecord = {
        id: newId('sch', now.getTime()),
        serverId: server.id,
        tenantId: server.tenantId,
        ...draftSchedule(request, now),
        done: false,
        lastRun: null,
        createdAt: now.toISOString(),
      };
      if (!(await schedules.create(schedule, MAX_SCHEDULES_PER_SERVER))) {
        throw new ConflictError(
          `The server has ${MAX_SCHEDULES_PER_SERVER} schedules already: delete one before adding another.`,
        );
      }
      try {
        await planner.create(schedulerNameOf(schedule), schedule.plan, fireInput(schedule));
      } catch (error) {
        await schedules.remove(schedule.serverId, schedule.id);
        throw error;
      }
      return toScheduleView(schedule, now);
    },

    async list(principal: Principal, serverId: string): Promise<Page<ScheduleView>> {
      const server = await load(principal, serverId);
      const now = clock.now();
      const items = await schedules.list(server.id);
      // Bounded per server, so one page holds them all.
      return { items: items.map((s) => toScheduleView(s, now)), nextCursor: null };
    },

    async remove(principal: Principal, serverId: string, scheduleId: string): Promise<void> {
      const server = await load(principal, serverId);
      const missing = () => new NotFoundError(`No schedule ${scheduleId.slice(0, 40)} on this server.`);
      if (!ScheduleIdSchema.safeParse(scheduleId).success) throw missing();
      if (!(await removeOne({ serverId: server.id, id: scheduleId }))) throw missing();
    },

    /** Deletes every schedule of the server. */
    async removeAll(principal: Principal, serverId: string): Promise<void> {
      const server = await load(principal, serverId);
      for (const schedule of await schedules.list(server.id)) await removeOne(schedule);
    },
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;

export interface ScheduleRunnerDeps {
  readonly schedules: ScheduleRepository;
  readonly planner: Pick<SchedulePlanner, 'remove'>;
  readonly lifecycle: Pick<LifecycleService, 'start'>;
  readonly keepalive: Pick<KeepaliveService, 'keepalive'>;
  readonly clock: Clock;
  /** Where unexpected failures go (the logger in production); the run records them too. */
  readonly onError?: (message: string, error: unknown, detail: Record<string, unknown>) => void;
}

/** What a delivery did: a run's outcome, or why there was no run. */
export type RunResult = RunOutcome | 'duplicate' | 'no-schedule' | 'no-server';

export function createScheduleRunner(deps: ScheduleRunnerDeps) {
  const { schedules, planner, lifecycle, keepalive, clock } = deps;
  const onError = deps.onError ?? (() => {});

  /** The server is gone: so are its schedules, records and Scheduler schedules alike. */
  async function forgetServer(serverId: string): Promise<void> {
    for (const schedule of await schedules.list(serverId)) {
      await schedules.remove(serverId, schedule.id);
      await planner.remove(schedulerNameOf(schedule));
    }
  }

  /** Starts the server as the schedule's actor; what happened, for the record. */
  async function start(
    schedule: ScheduleRecord,
    scheduledFor: Date,
  ): Promise<Pick<LastRun, 'outcome' | 'detail'> | null> {
    // The schedule acts for its tenant with the one right it needs; events name it `schedule`.
    const principal: Principal = {
      tenantId: schedule.tenantId,
      keyId: SCHEDULE_ACTOR,
      scopes: ['servers:power'],
      servers: null,
    };
    try {
      const { status, server } = await lifecycle.start(principal, schedule.serverId, 'schedule');
      if (server.state === 'error') {
        return { outcome: 'failed', detail: `The start failed: ${server.stateReason ?? 'unknown reason'}.` };
      }
      const outcome = status === 202 ? 'started' : 'unchanged';
      const minutes = keepaliveMinutes(schedule, scheduledFor, clock.now());
      if (minutes === null) return { outcome, detail: null };
      try {
        await keepalive.keepalive(principal, schedule.serverId, minutes);
        return { outcome, detail: `Kept up for at least ${minutes} minutes.` };
      } catch (error) {
        // The start stands; only the minimum run time could not be set.
        const why = error instanceof ConvoyError ? error.message : 'an internal error';
        if (!(error instanceof ConvoyError))
          onError('scheduled keepalive failed', error, { serverId: schedule.serverId });
        return { outcome, detail: `Not kept up: ${why}` };
      }
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      if (error instanceof ConvoyError) return { outcome: 'failed', detail: error.message };
      onError('scheduled start failed', error, { serverId: schedule.serverId, scheduleId: schedule.id });
      return { outcome: 'failed', detail: 'An internal error stopped the start.' };
    }
  }

  return {
    async run(event: FireEvent): Promise<RunResult> {
      const schedule = await schedules.get(event.serverId, event.scheduleId);
      if (!schedule) {
        await planner.remove(schedulerNameOf({ serverId: event.serverId, id: event.scheduleId }));
        return 'no-schedule';
      }
      const now = clock.now();
      const planned = new Date(event.scheduledFor);
      const scheduledFor = Number.isNaN(planned.getTime()) ? now : planned;
      const claim: LastRun = {
        scheduledFor: scheduledFor.toISOString(),
        at: now.toISOString(),
        outcome: 'pending',
        detail: null,
      };
      if (!(await schedules.claimRun(schedule, claim))) return 'duplicate';

      const result = await start(schedule, scheduledFor);
      if (!result) {
        await forgetServer(schedule.serverId);
        return 'no-server';
      }
      const run: LastRun = { ...claim, ...result };
      await schedules.finishRun(schedule, run, {
        at: clock.now().toISOString(),
        type: 'schedule.run',
        actor: SCHEDULE_ACTOR,
        detail: {
          scheduleId: schedule.id,
          scheduledFor: run.scheduledFor,
          outcome: run.outcome,
          detail: run.detail,
        },
      });
      return run.outcome;
    },
  };
}

export type ScheduleRunner = ReturnType<typeof createScheduleRunner>;
