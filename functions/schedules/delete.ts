import { lazyHandler } from '../../shared/composition.ts';
import { scheduleService } from '../../shared/composition-schedules.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ScheduleService } from '../../shared/services/schedules.ts';

/** 204: the schedule is gone and will not fire. */
export const createHandler = (schedules: Pick<ScheduleService, 'remove'>) =>
  httpHandler('schedules-delete', {}, async ({ principal, params }) => {
    await schedules.remove(principal, params.id ?? '', params.scheduleId ?? '');
    return { status: 204 };
  });

export const handler = lazyHandler(() => createHandler(scheduleService()));
