/** In-memory fakes of the schedule ports, for unit tests. */
import type { LastRun, SchedulePlan, ScheduleRecord } from '../../shared/domain/schedule.ts';
import type { SchedulePlanner, ScheduleRepository, ServerEvent } from '../../shared/services/ports.ts';

export class InMemoryScheduleRepository implements ScheduleRepository {
  readonly items = new Map<string, ScheduleRecord>();
  readonly events: ServerEvent[] = [];
  readonly live = new Map<string, number>();

  async create(schedule: ScheduleRecord, max: number) {
    const live = this.live.get(schedule.serverId) ?? 0;
    if (live >= max) return false;
    this.items.set(schedule.id, schedule);
    this.live.set(schedule.serverId, live + 1);
    return true;
  }
  async get(serverId: string, id: string) {
    const schedule = this.items.get(id);
    return schedule?.serverId === serverId ? schedule : null;
  }
  async list(serverId: string) {
    return [...this.items.values()].filter((s) => s.serverId === serverId);
  }
  async remove(serverId: string, id: string) {
    const schedule = await this.get(serverId, id);
    if (!schedule) return false;
    this.items.delete(id);
    if (!schedule.done) this.live.set(serverId, (this.live.get(serverId) ?? 1) - 1);
    return true;
  }
  async claimRun(schedule: ScheduleRecord, run: LastRun) {
    const current = this.items.get(schedule.id);
    if (!current) return false;
    if (current.plan.once ? current.done : current.lastRun?.scheduledFor === run.scheduledFor) return false;
    this.items.set(schedule.id, { ...current, lastRun: run, done: current.plan.once || current.done });
    if (current.plan.once) this.live.set(schedule.serverId, (this.live.get(schedule.serverId) ?? 1) - 1);
    return true;
  }
  async finishRun(schedule: ScheduleRecord, run: LastRun, event: ServerEvent) {
    this.events.push(event);
    const current = this.items.get(schedule.id);
    if (current?.lastRun?.scheduledFor === run.scheduledFor)
      this.items.set(schedule.id, { ...current, lastRun: run });
  }
}

export class FakePlanner implements SchedulePlanner {
  readonly schedules = new Map<string, { plan: SchedulePlan; input: string }>();
  failCreates = false;
  async create(name: string, plan: SchedulePlan, input: string) {
    if (this.failCreates) throw new Error('Scheduler is down');
    if (!this.schedules.has(name)) this.schedules.set(name, { plan, input });
  }
  async remove(name: string) {
    this.schedules.delete(name);
  }
}
