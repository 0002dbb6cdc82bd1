import { lazyHandler } from '../../shared/composition.ts';
import { scheduleService } from '../../shared/composition-schedules.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ScheduleService } from '../../shared/services/schedules.ts';

/** 200 with every schedule of the server (at most 20 live ones), each with its next start times. */
export const createHandler = (schedules: Pick<ScheduleService, 'list'>) =>
  httpHandler('schedules-list', {}, async ({ principal, params }) => ({
    status: 200,
    json: await schedules.list(principal, params.id ?? ''),
  }));

export const handler = lazyHandler(() => createHandler(scheduleService()));
