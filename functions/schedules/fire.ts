/**
 * The start handler EventBridge Scheduler invokes (asynchronously) for a schedule, with the
 * server and schedule ids and the time the run was scheduled for; the local Scheduler stand-in
 * invokes it the same way. Failures of the start are recorded on the schedule and in the
 * server's events, not thrown: a throw would only make Lambda retry a start already decided.
 */
import { lazyHandler } from '../../shared/composition.ts';
import { scheduleRunner } from '../../shared/composition-schedules.ts';
import type { FireEvent } from '../../shared/domain/schedule.ts';
import { FireEventSchema } from '../../shared/domain/schedule.ts';
import { logger } from '../../shared/http/logger.ts';
import type { RunResult, ScheduleRunner } from '../../shared/services/schedules.ts';

export const createHandler =
  (runner: Pick<ScheduleRunner, 'run'>) =>
  async (event: unknown): Promise<{ result: RunResult | 'invalid-event' } & Partial<FireEvent>> => {
    const parsed = FireEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.error('schedule fired with an event it cannot read', {
        event: String(JSON.stringify(event)).slice(0, 500),
      });
      return { result: 'invalid-event' };
    }
    const result = await runner.run(parsed.data);
    logger.info('schedule fired', { ...parsed.data, result });
    return { ...parsed.data, result };
  };

export const handler = lazyHandler(() => createHandler(scheduleRunner()));
