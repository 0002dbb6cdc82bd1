/**
 * The composition root of the schedule functions: the routes' service (table and Scheduler,
 * no EC2 client in their bundles) and the start handler's runner (with the lifecycle).
 */
import { tableClientFor } from './adapters/aws-clients.ts';
import { createScheduleRepository } from './adapters/dynamodb/schedule-repository.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import { createSchedulerPlanner } from './adapters/scheduler/eventbridge-planner.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import type { SchedulerConfig } from './config/scheduler-env.ts';
import { loadSchedulerConfig } from './config/scheduler-env.ts';
import { buildLifecycle } from './host-composition.ts';
import { logger } from './http/logger.ts';
import { createKeepaliveService } from './services/keepalive.ts';
import { systemClock } from './services/ports.ts';
import type { ScheduleRunner, ScheduleService } from './services/schedules.ts';
import { createScheduleRunner, createScheduleService } from './services/schedules.ts';

function buildParts(config: RuntimeConfig, scheduler: SchedulerConfig) {
  const client = tableClientFor(config);
  const clock = systemClock;
  return {
    client,
    clock,
    servers: createServerRepository({ client, tableName: config.tableName, clock }),
    schedules: createScheduleRepository({ client, tableName: config.tableName, clock }),
    planner: createSchedulerPlanner({ region: config.region, ...scheduler }),
  };
}

export function buildScheduleService(config: RuntimeConfig, scheduler: SchedulerConfig): ScheduleService {
  const { servers, schedules, planner, clock } = buildParts(config, scheduler);
  return createScheduleService({ servers, schedules, planner, clock });
}

export function buildScheduleRunner(config: RuntimeConfig, scheduler: SchedulerConfig): ScheduleRunner {
  const { client, servers, schedules, planner, clock } = buildParts(config, scheduler);
  return createScheduleRunner({
    schedules,
    planner,
    lifecycle: buildLifecycle(config, client, servers),
    keepalive: createKeepaliveService({ servers, clock }),
    clock,
    onError: (message, error, detail) => logger.error(message, { ...detail, error: error as Error }),
  });
}

let service: ScheduleService | undefined;
let runner: ScheduleRunner | undefined;

/** The routes' schedule service, from `process.env`; built at the first call (a cold start). */
export function scheduleService(): ScheduleService {
  service ??= buildScheduleService(loadConfig(), loadSchedulerConfig());
  return service;
}

/** The start handler's runner, from `process.env`; built at the first call. */
export function scheduleRunner(): ScheduleRunner {
  runner ??= buildScheduleRunner(loadConfig(), loadSchedulerConfig());
  return runner;
}
