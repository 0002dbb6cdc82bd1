/**
 * The EventBridge Scheduler stand-in on loopback: `CreateSchedule`, `GetSchedule` and
 * `DeleteSchedule` over REST-JSON as the SDK (and `shared/adapters/scheduler/`) sends them, and
 * a timer that invokes each schedule's Lambda target (a function of `JOBS`, by name) when it is
 * due, with Scheduler's `<aws.scheduler.scheduled-time>` filled into its input. `at(...)` and
 * `cron(...)` are read in the schedule's time zone with the same DST rules as Scheduler
 * (`shared/domain/cron.ts`). Schedules persist in a JSON file in the data folder, like
 * Scheduler's own do across deploys, and are re-armed when the stack starts again: a one-off
 * that came due while it was down fires at once; a recurring one resumes with its next time.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import {
  canonicalTimeZone,
  nextRuns,
  parseSchedulerAt,
  parseSchedulerCron,
} from '../../shared/domain/cron.ts';
import { SCHEDULED_TIME_PLACEHOLDER } from '../../shared/domain/schedule.ts';
import { logger } from '../../shared/http/logger.ts';

type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

export interface SchedulerStandInOptions {
  /** Where the schedules persist (a JSON file). */
  readonly file: string;
  /** How often due schedules are looked for. @default 1000 */
  readonly tickMs?: number;
  readonly region?: string;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface StoredSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly target: { readonly Arn: string; readonly RoleArn: string; readonly Input?: string };
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly state: 'ENABLED' | 'DISABLED';
  /** Epoch ms of the next run; `null` once a one-off ran (and was kept). */
  nextRunAt: number | null;
}

export interface SchedulerStandIn {
  /** e.g. `http://127.0.0.1:41234` */
  readonly endpoint: string;
  /** Starts firing: targets are invoked through `invoke` from now on. */
  start(invoke: Invoke): void;
  /** The schedules as stored (tests and tools). */
  schedules(): readonly StoredSchedule[];
  /** Runs due schedules now (tests); resolves once their targets have answered. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';
const MAX_BODY_BYTES = 256 * 1024;
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

class SchedulerFault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startSchedulerStandIn(options: SchedulerStandInOptions): Promise<SchedulerStandIn> {
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const store = new Map<string, StoredSchedule>(
    (await load(options.file)).map((s) => [`${s.groupName}/${s.name}`, rearm(s, now())]),
  );
  let invoke: Invoke | null = null;
  const inFlight = new Set<Promise<unknown>>();
  let saving = Promise.resolve();
  const save = () => {
    const snapshot = JSON.stringify([...store.values()], null, 2);
    saving = saving.then(async () => {
      await mkdir(dirname(options.file), { recursive: true });
      await writeFile(`${options.file}.tmp`, snapshot);
      await rename(`${options.file}.tmp`, options.file);
    });
    return saving;
  };

  async function fire(schedule: StoredSchedule, scheduledFor: number): Promise<void> {
    const functionName = /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([\w-]+)$/.exec(schedule.target.Arn)?.[1];
    const scheduledTime = `${new Date(scheduledFor).toISOString().slice(0, 19)}Z`;
    const input = (schedule.target.Input ?? '{}').replaceAll(SCHEDULED_TIME_PLACEHOLDER, scheduledTime);
    try {
      if (!functionName || !invoke) throw new Error(`no local function for ${schedule.target.Arn}`);
      await invoke(functionName, JSON.parse(input));
    } catch (error) {
      logger.error('scheduler stand-in: target failed', { schedule: schedule.name, error: error as Error });
    }
  }

  async function tick(): Promise<void> {
    const at = now();
    const due = [...store.values()].filter(
      (s) => s.state === 'ENABLED' && s.nextRunAt !== null && s.nextRunAt <= at,
    );
    const runs: Promise<void>[] = [];
    for (const schedule of due) {
      const scheduledFor = schedule.nextRunAt as number;
      if (schedule.expression.startsWith('at(')) {
        if (schedule.actionAfterCompletion === 'DELETE')
          store.delete(`${schedule.groupName}/${schedule.name}`);
        else schedule.nextRunAt = null;
      } else {
        schedule.nextRunAt = nextRunOf(schedule, Math.max(at, scheduledFor));
      }
      runs.push(fire(schedule, scheduledFor));
    }
    if (due.length) await save();
    const all = Promise.all(runs);
    inFlight.add(all);
    await all.finally(() => inFlight.delete(all));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const fault =
        error instanceof SchedulerFault
          ? error
          : new SchedulerFault(500, 'InternalServerException', (error as Error).message);
      send(response, fault.status, { Message: fault.message }, fault.type);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
      throw new SchedulerFault(403, 'AccessDeniedException', 'The request is not signed.');
    }
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (!match)
      throw new SchedulerFault(404, 'UnknownOperationException', `No operation at ${url.pathname}.`);
    const name = decodeURIComponent(match[1] ?? '');
    if (!NAME.test(name))
      throw new SchedulerFault(400, 'ValidationException', 'The schedule name is invalid.');
    const body = await readBody(request);
    const groupName =
      (request.method === 'POST' ? body.GroupName : url.searchParams.get('groupName')) ?? 'default';
    if (typeof groupName !== 'string' || !NAME.test(groupName)) {
      throw new SchedulerFault(400, 'ValidationException', 'The group name is invalid.');
    }
    const key = `${groupName}/${name}`;
    const arn = `arn:aws:scheduler:${region}:${ACCOUNT}:schedule/${groupName}/${name}`;
    const existing = store.get(key);
    switch (request.method) {
      case 'POST': {
        if (existing) throw new SchedulerFault(409, 'ConflictException', `Schedule ${name} already exists.`);
        store.set(key, createSchedule(name, groupName, body, now()));
        await save();
        return send(response, 200, { ScheduleArn: arn });
      }
      case 'GET': {
        if (!existing)
          throw new SchedulerFault(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        return send(response, 200, {
          Arn: arn,
          Name: name,
          GroupName: groupName,
          ScheduleExpression: existing.expression,
          ScheduleExpressionTimezone: existing.timeZone,
          ActionAfterCompletion: existing.actionAfterCompletion,
          State: existing.state,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: existing.target,
        });
      }
      case 'DELETE': {
        if (!existing)
          throw new SchedulerFault(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        store.delete(key);
        await save();
        return send(response, 200, {});
      }
      default:
        throw new SchedulerFault(
          405,
          'UnknownOperationException',
          `${request.method} is not supported here.`,
        );
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let timer: NodeJS.Timeout | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    start(target) {
      invoke = target;
      timer = setInterval(() => {
        tick().catch((error: unknown) =>
          logger.error('scheduler stand-in tick failed', { error: error as Error }),
        );
      }, options.tickMs ?? 1000);
      timer.unref();
    },
    schedules: () => [...store.values()],
    tick,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      await saving;
    },
  };
}

function createSchedule(
  name: string,
  groupName: string,
  body: Record<string, unknown>,
  now: number,
): StoredSchedule {
  const invalid = (message: string) => new SchedulerFault(400, 'ValidationException', message);
  const expression = body.ScheduleExpression;
  if (typeof expression !== 'string') throw invalid('ScheduleExpression is required.');
  const zone = body.ScheduleExpressionTimezone ?? 'UTC';
  const timeZone = typeof zone === 'string' ? canonicalTimeZone(zone) : null;
  if (!timeZone) throw invalid(`Invalid time zone ${String(zone)}.`);
  const window = body.FlexibleTimeWindow as { Mode?: unknown } | undefined;
  if (window?.Mode !== 'OFF') throw invalid('This stand-in supports FlexibleTimeWindow {Mode: OFF} only.');
  const target = body.Target as StoredSchedule['target'] | undefined;
  if (typeof target?.Arn !== 'string' || typeof target.RoleArn !== 'string') {
    throw invalid('Target needs Arn and RoleArn.');
  }
  const after = body.ActionAfterCompletion ?? 'NONE';
  if (after !== 'NONE' && after !== 'DELETE') throw invalid('ActionAfterCompletion must be NONE or DELETE.');
  const state = body.State ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw invalid('State must be ENABLED or DISABLED.');
  const schedule: StoredSchedule = {
    name,
    groupName,
    expression,
    timeZone,
    target: {
      Arn: target.Arn,
      RoleArn: target.RoleArn,
      ...(target.Input === undefined ? {} : { Input: target.Input }),
    },
    actionAfterCompletion: after,
    state,
    nextRunAt: null,
  };
  if (expression.startsWith('at(')) {
    const at = parseSchedulerAt(expression, timeZone);
    if (!at) throw invalid(`Invalid Schedule Expression ${expression}.`);
    schedule.nextRunAt = at.getTime();
    return schedule;
  }
  if (!parseSchedulerCron(expression).ok) throw invalid(`Invalid Schedule Expression ${expression}.`);
  schedule.nextRunAt = nextRunOf(schedule, now);
  return schedule;
}

function nextRunOf(schedule: StoredSchedule, after: number): number | null {
  const spec = parseSchedulerCron(schedule.expression);
  if (!spec.ok) return null;
  return nextRuns(spec.value, schedule.timeZone, new Date(after), 1)[0]?.getTime() ?? null;
}

/** On start-up: a recurring schedule resumes from now (runs missed while down are not made up). */
function rearm(schedule: StoredSchedule, now: number): StoredSchedule {
  if (schedule.expression.startsWith('at(')) return schedule;
  return { ...schedule, nextRunAt: nextRunOf(schedule, now) };
}

async function load(file: string): Promise<StoredSchedule[]> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredSchedule[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`Cannot read the scheduler stand-in's schedules from ${file}`, { cause: error });
  }
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) throw new SchedulerFault(413, 'ValidationException', 'The body is too large.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new SchedulerFault(400, 'ValidationException', 'The body is not a JSON object.');
  }
}

function send(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(JSON.stringify(body));
}
