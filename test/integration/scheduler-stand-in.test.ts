import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SchedulerStandIn } from '../../local/scheduler/server.ts';
import { startSchedulerStandIn } from '../../local/scheduler/server.ts';
import { createSchedulerPlanner } from '../../shared/adapters/scheduler/eventbridge-planner.ts';
import { fireInput } from '../../shared/domain/schedule.ts';

const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:schedule-fire';
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
let dir: string;
let now: number;
let standIn: SchedulerStandIn;
let fired: { functionName: string; event: unknown }[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convoy-scheduler-'));
  now = Date.parse('2026-11-20T18:00:00.000Z');
  fired = [];
  standIn = await startSchedulerStandIn({ file: join(dir, 'schedules.json'), now: () => now });
  standIn.start(async (functionName, event) => {
    fired.push({ functionName, event });
  });
});

afterEach(async () => {
  await standIn.close();
  await rm(dir, { recursive: true, force: true });
});

const planner = () =>
  createSchedulerPlanner({
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    groupName: 'convoy-test',
    roleArn: ROLE,
    targetArn: TARGET,
  });
const sdk = () =>
  new SchedulerClient({
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
const ids = { serverId: 'srv_01jabcdefghjkmnpqrstvwxyz0', id: 'sch_01jabcdefghjkmnpqrstvwxyz0' };

describe('the Scheduler stand-in and the planner', () => {
  it('creates a one-off the SDK reads back, fires it once with the scheduled time, and deletes it', async () => {
    await planner().create(
      'one',
      { expression: 'at(2026-11-20T18:20:00)', timeZone: 'UTC', once: true },
      fireInput(ids),
    );
    const got = await sdk().send(new GetScheduleCommand({ Name: 'one', GroupName: 'convoy-test' }));
    expect(got).toMatchObject({
      ScheduleExpression: 'at(2026-11-20T18:20:00)',
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: TARGET, RoleArn: ROLE },
    });
    await standIn.tick();
    expect(fired).toEqual([]);
    now = Date.parse('2026-11-20T18:20:00.500Z');
    await standIn.tick();
    await standIn.tick();
    expect(fired).toEqual([
      {
        functionName: 'schedule-fire',
        event: { serverId: ids.serverId, scheduleId: ids.id, scheduledFor: '2026-11-20T18:20:00Z' },
      },
    ]);
    expect(standIn.schedules()).toEqual([]);
  });

  it('fires a cron in its zone across a DST change and keeps the schedule', async () => {
    now = Date.parse('2026-03-27T12:00:00.000Z');
    await planner().create(
      'weekly',
      { expression: 'cron(20 19 ? * FRI *)', timeZone: 'Europe/Berlin', once: false },
      fireInput(ids),
    );
    for (const at of ['2026-03-27T18:20:00Z', '2026-04-03T17:20:00Z']) {
      now = Date.parse(at) + 1_000;
      await standIn.tick();
    }
    expect(fired.map((f) => (f.event as { scheduledFor: string }).scheduledFor)).toEqual([
      '2026-03-27T18:20:00Z',
      '2026-04-03T17:20:00Z',
    ]);
    expect(standIn.schedules()).toHaveLength(1);
  });

  it('answers a second create with ConflictException (the planner takes it as done) and deletes idempotently', async () => {
    const plan = { expression: 'cron(0 12 * * ? *)', timeZone: 'UTC', once: false };
    await planner().create('twice', plan, fireInput(ids));
    await planner().create('twice', plan, fireInput(ids));
    await expect(
      sdk().send(
        new CreateScheduleCommand({
          Name: 'twice',
          GroupName: 'convoy-test',
          ScheduleExpression: 'cron(0 12 * * ? *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: TARGET, RoleArn: ROLE },
        }),
      ),
    ).rejects.toBeInstanceOf(ConflictException);
    await planner().remove('twice');
    await planner().remove('twice');
    await expect(
      sdk().send(new DeleteScheduleCommand({ Name: 'twice', GroupName: 'convoy-test' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses an expression Scheduler would refuse', async () => {
    await expect(
      planner().create('bad', { expression: 'cron(0 12 * * * *)', timeZone: 'UTC', once: false }, '{}'),
    ).rejects.toThrow(/HTTP 400 ValidationException/);
  });

  it('re-arms persisted schedules when it starts again', async () => {
    await planner().create(
      'kept',
      { expression: 'at(2026-11-20T18:30:00)', timeZone: 'UTC', once: true },
      fireInput(ids),
    );
    await standIn.close();
    standIn = await startSchedulerStandIn({ file: join(dir, 'schedules.json'), now: () => now });
    standIn.start(async (functionName, event) => {
      fired.push({ functionName, event });
    });
    now = Date.parse('2026-11-20T18:31:00.000Z');
    await standIn.tick();
    expect(fired).toHaveLength(1);
  });
});
