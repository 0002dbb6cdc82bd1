import { lazyHandler } from '../../shared/composition.ts';
import { scheduleService } from '../../shared/composition-schedules.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ScheduleService } from '../../shared/services/schedules.ts';

/** 204: the server has no schedules any more. */
export const createHandler = (schedules: Pick<ScheduleService, 'removeAll'>) =>
  httpHandler('schedules-delete-all', {}, async ({ principal, params }) => {
    await schedules.removeAll(principal, params.id ?? '');
    return { status: 204 };
  });

export const handler = lazyHandler(() => createHandler(scheduleService()));
