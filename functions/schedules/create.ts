import { lazyHandler } from '../../shared/composition.ts';
import { scheduleService } from '../../shared/composition-schedules.ts';
import { CreateScheduleRequestSchema } from '../../shared/domain/schedule.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ScheduleService } from '../../shared/services/schedules.ts';

/** 201 with the schedule and its next start time. */
export const createHandler = (schedules: Pick<ScheduleService, 'create'>) =>
  httpHandler(
    'schedules-create',
    { body: CreateScheduleRequestSchema },
    async ({ principal, params, body }) => ({
      status: 201,
      json: await schedules.create(principal, params.id ?? '', body),
    }),
  );

export const handler = lazyHandler(() => createHandler(scheduleService()));
