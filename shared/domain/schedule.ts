/**
 * Scheduled starts: a one-off (`at`, an instant) or recurring (`cron` read in an IANA
 * `timeZone`) convoy time, started `warmupMinutes` ahead, optionally kept up `minRunMinutes`
 * past the convoy time whatever its players. Pure: validation, the Scheduler expression each
 * schedule becomes, and its next runs.
 */
import type { CronSpec } from './cron.ts';
import {
  canonicalTimeZone,
  nextRuns,
  parseCron,
  shiftEarlier,
  toSchedulerAt,
  toSchedulerCron,
} from './cron.ts';
import type { FieldIssue } from './errors.ts';
import { ValidationError } from './errors.ts';
import { KEEPALIVE_MINUTES } from './idle.ts';
import * as z from './zod.ts';

/** A server has at most this many live schedules (recurring, or one-off not yet run). */
export const MAX_SCHEDULES_PER_SERVER = 20;
export const DEFAULT_WARMUP_MINUTES = 10;
export const WARMUP_MINUTES = { min: 0, max: 120 } as const;
/** Warm-up plus minimum run must fit in one keepalive. */
export const MIN_RUN_MINUTES = { min: 1, max: KEEPALIVE_MINUTES.max - WARMUP_MINUTES.max } as const;
/** A run-once schedule, and its record, stay listed this long after it ran. */
export const DONE_RETENTION_DAYS = 30;
/** The actor of a scheduled start in a server's events. */
export const SCHEDULE_ACTOR = 'schedule';

const intIn = (min: number, max: number) =>
  z.int().check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`));

export const ScheduleIdSchema = z
  .string()
  .check(z.regex(/^sch_[0-9a-z]{26}$/, 'must be a schedule id (sch_...)'));

export const CreateScheduleRequestSchema = z.strictObject({
  /** A label for people: "Friday night convoy". */
  name: z.optional(
    z.nullable(
      z.string().check(
        z.minLength(1, 'must not be empty'),
        z.maxLength(100, 'must be at most 100 characters'),
        // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
        z.refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters'),
      ),
    ),
  ),
  /** A one-off convoy time: an ISO 8601 instant with its offset (`Z` or `+01:00`), in the future. */
  at: z.optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time with an offset' })),
  /** A recurring convoy time: five-field cron (`minute hour day-of-month month day-of-week`). */
  cron: z.optional(z.string().check(z.maxLength(200, 'must be at most 200 characters'))),
  /** The IANA time zone the cron expression is read in (`Europe/Berlin`); required with `cron`. */
  timeZone: z.optional(z.string().check(z.maxLength(64, 'must be at most 64 characters'))),
  /** How long before the convoy time the server is started. */
  warmupMinutes: z.optional(intIn(WARMUP_MINUTES.min, WARMUP_MINUTES.max)),
  /** How long after the convoy time the idle reaper leaves the server up, players or not. */
  minRunMinutes: z.optional(z.nullable(intIn(MIN_RUN_MINUTES.min, MIN_RUN_MINUTES.max))),
});
export type CreateScheduleRequest = z.infer<typeof CreateScheduleRequestSchema>;

export const RUN_OUTCOMES = ['pending', 'started', 'unchanged', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** What the last run of a schedule did. */
export interface LastRun {
  /** The start time it was planned for (Scheduler's scheduled time): what makes a run unique. */
  readonly scheduledFor: string;
  /** When the run happened. */
  readonly at: string;
  /** `started`: a start was begun; `unchanged`: it already was starting or running; `failed`: see `detail`. */
  readonly outcome: RunOutcome;
  readonly detail: string | null;
}

/** The Scheduler schedule a record becomes: the same in AWS and in the local stand-in. */
export interface SchedulePlan {
  readonly expression: string;
  readonly timeZone: string;
  /** One-off schedules delete themselves once run. */
  readonly once: boolean;
}

export interface ScheduleRecord {
  readonly id: string;
  readonly serverId: string;
  readonly tenantId: string;
  readonly name: string | null;
  /** One-off: the convoy instant. */
  readonly at: string | null;
  /** Recurring: the convoy cron, as given, and its zone (canonical name). */
  readonly cron: string | null;
  readonly timeZone: string | null;
  readonly warmupMinutes: number;
  readonly minRunMinutes: number | null;
  /** One-off: when the start fires (`at` less the warm-up, never in the past). */
  readonly startAt: string | null;
  readonly plan: SchedulePlan;
  /** A one-off that has run. */
  readonly done: boolean;
  readonly lastRun: LastRun | null;
  readonly createdAt: string;
}

export interface ScheduleView {
  readonly id: string;
  readonly serverId: string;
  readonly name: string | null;
  readonly at: string | null;
  readonly cron: string | null;
  readonly timeZone: string | null;
  readonly warmupMinutes: number;
  readonly minRunMinutes: number | null;
  /** When the next start fires (the convoy time less the warm-up); `null` once a one-off ran. */
  readonly nextRunAt: string | null;
  /** The start times after that (recurring only), so a client can check DST and weekdays. */
  readonly upcoming: readonly string[];
  readonly lastRun: LastRun | null;
  readonly createdAt: string;
}

export const ScheduleViewSchema = z.object({
  id: z.string(),
  serverId: z.string(),
  name: z.nullable(z.string()),
  at: z.nullable(z.string()),
  cron: z.nullable(z.string()),
  timeZone: z.nullable(z.string()),
  warmupMinutes: z.int(),
  minRunMinutes: z.nullable(z.int()),
  nextRunAt: z.nullable(z.string()),
  upcoming: z.array(z.string()),
  lastRun: z.nullable(
    z.object({
      scheduledFor: z.string(),
      at: z.string(),
      outcome: z.enum(RUN_OUTCOMES),
      detail: z.nullable(z.string()),
    }),
  ),
  createdAt: z.string(),
});

/** The fields of a new schedule that follow from the request, or a 400 naming every problem. */
export type ScheduleDraft = Pick<
  ScheduleRecord,
  'name' | 'at' | 'cron' | 'timeZone' | 'warmupMinutes' | 'minRunMinutes' | 'startAt' | 'plan'
>;

export function draftSchedule(request: CreateScheduleRequest, now: Date): ScheduleDraft {
  const issues: FieldIssue[] = [];
  const warmupMinutes = request.warmupMinutes ?? DEFAULT_WARMUP_MINUTES;
  const common = { name: request.name ?? null, warmupMinutes, minRunMinutes: request.minRunMinutes ?? null };
  const invalid = () => new ValidationError('The schedule is invalid.', issues);

  if ((request.at === undefined) === (request.cron === undefined)) {
    issues.push({
      path: 'at',
      message: 'give either at (one-off) or cron with timeZone (recurring), not both',
    });
    throw invalid();
  }
  if (request.at !== undefined) {
    if (request.timeZone !== undefined) {
      issues.push({ path: 'timeZone', message: 'applies to cron only (at carries its own offset)' });
    }
    const at = new Date(request.at);
    if (at.getTime() <= now.getTime()) issues.push({ path: 'at', message: 'must be in the future' });
    if (issues.length) throw invalid();
    // A convoy closer than its warm-up starts at once rather than in the past; `at(...)` has
    // whole seconds, rounded up so that a start never comes before its time.
    const start = Math.max(at.getTime() - warmupMinutes * 60_000, now.getTime());
    const startAt = new Date(Math.ceil(start / 1000) * 1000);
    return {
      ...common,
      at: at.toISOString(),
      cron: null,
      timeZone: null,
      startAt: startAt.toISOString(),
      plan: { expression: toSchedulerAt(startAt), timeZone: 'UTC', once: true },
    };
  }

  const cron = (request.cron ?? '').trim();
  const parsed = parseCron(cron);
  if (!parsed.ok) issues.push({ path: 'cron', message: parsed.error });
  const timeZone = request.timeZone === undefined ? null : canonicalTimeZone(request.timeZone);
  if (request.timeZone === undefined) {
    issues.push({
      path: 'timeZone',
      message: 'is required with cron (an IANA time zone such as Europe/Berlin)',
    });
  } else if (!timeZone) {
    issues.push({
      path: 'timeZone',
      message: 'must be an IANA time zone name such as Europe/Berlin or America/New_York',
    });
  }
  if (!parsed.ok || !timeZone) throw invalid();
  const start = shiftEarlier(parsed.value, warmupMinutes);
  if (!start.ok) {
    issues.push({ path: 'warmupMinutes', message: `the cron expression ${start.error}` });
    throw invalid();
  }
  const expression = toSchedulerCron(start.value);
  // Scheduler's limit on an expression; only long lists of odd values come near it.
  if (expression.length > 256) {
    issues.push({
      path: 'cron',
      message: 'lists too many values for EventBridge Scheduler: use ranges or steps',
    });
    throw invalid();
  }
  if (nextRuns(start.value, timeZone, now, 1).length === 0) {
    issues.push({ path: 'cron', message: 'never runs (no such date in the next eight years)' });
    throw invalid();
  }
  return { ...common, at: null, cron, timeZone, startAt: null, plan: { expression, timeZone, once: false } };
}

/** The start times of a schedule after `now`: at most `count`, none once a one-off ran. */
export function startTimes(schedule: ScheduleRecord, now: Date, count: number): Date[] {
  if (schedule.startAt !== null) {
    return schedule.done ? [] : [new Date(schedule.startAt)];
  }
  const spec = startSpec(schedule);
  return spec && schedule.timeZone ? nextRuns(spec, schedule.timeZone, now, count) : [];
}

function startSpec(schedule: ScheduleRecord): CronSpec | null {
  const parsed = schedule.cron === null ? null : parseCron(schedule.cron);
  if (!parsed?.ok) return null;
  const shifted = shiftEarlier(parsed.value, schedule.warmupMinutes);
  return shifted.ok ? shifted.value : null;
}

/** How many views' worth of upcoming start times a recurring schedule shows. */
const UPCOMING = 5;

export function toScheduleView(schedule: ScheduleRecord, now: Date): ScheduleView {
  const [next = null, ...rest] = startTimes(schedule, now, UPCOMING + 1).map((d) => d.toISOString());
  return {
    id: schedule.id,
    serverId: schedule.serverId,
    name: schedule.name,
    at: schedule.at,
    cron: schedule.cron,
    timeZone: schedule.timeZone,
    warmupMinutes: schedule.warmupMinutes,
    minRunMinutes: schedule.minRunMinutes,
    nextRunAt: next,
    upcoming: rest,
    lastRun: schedule.lastRun,
    createdAt: schedule.createdAt,
  };
}

/**
 * Minutes of keepalive a run needs so that the server stays up `minRunMinutes` past the convoy
 * time (the scheduled start plus the warm-up); `null` when the schedule asks for none.
 */
export function keepaliveMinutes(schedule: ScheduleRecord, scheduledFor: Date, now: Date): number | null {
  if (schedule.minRunMinutes === null) return null;
  const until = scheduledFor.getTime() + (schedule.warmupMinutes + schedule.minRunMinutes) * 60_000;
  const minutes = Math.ceil((until - now.getTime()) / 60_000);
  if (minutes < KEEPALIVE_MINUTES.min) return null;
  return Math.min(minutes, KEEPALIVE_MINUTES.max);
}

/** The Scheduler schedule's name: unique within the deployment's group, at most 64 characters. */
export const schedulerNameOf = (schedule: Pick<ScheduleRecord, 'serverId' | 'id'>): string =>
  `${schedule.serverId}.${schedule.id}`;

/** What Scheduler sends the start handler; `scheduledFor` is filled in by Scheduler itself. */
export const FireEventSchema = z.object({
  serverId: z.string(),
  scheduleId: z.string(),
  scheduledFor: z.string(),
});
export type FireEvent = z.infer<typeof FireEventSchema>;

/** Scheduler's context attribute for the time a run was scheduled for. */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

export const fireInput = (schedule: Pick<ScheduleRecord, 'serverId' | 'id'>): string =>
  JSON.stringify({
    serverId: schedule.serverId,
    scheduleId: schedule.id,
    scheduledFor: SCHEDULED_TIME_PLACEHOLDER,
  });
