import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createRoute } from '../../../functions/schedules/create.ts';
import { createHandler as deleteRoute } from '../../../functions/schedules/delete.ts';
import { createHandler as fireHandler } from '../../../functions/schedules/fire.ts';
import { createHandler as listRoute } from '../../../functions/schedules/list.ts';
import { ConflictError } from '../../../shared/domain/errors.ts';
import type { ScheduleView } from '../../../shared/domain/schedule.ts';
import { fireInput, MAX_SCHEDULES_PER_SERVER, SCHEDULE_ACTOR } from '../../../shared/domain/schedule.ts';
import type { ServerRecord } from '../../../shared/domain/server.ts';
import { createKeepaliveService } from '../../../shared/services/keepalive.ts';
import { createLifecycleService } from '../../../shared/services/lifecycle.ts';
import type { ResolvedPackage } from '../../../shared/services/package-queries.ts';
import type { ScheduleRunner, ScheduleService } from '../../../shared/services/schedules.ts';
import { createScheduleRunner, createScheduleService } from '../../../shared/services/schedules.ts';
import { createServerService } from '../../../shared/services/servers.ts';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { FakeHostProvider, InMemoryServerIndex } from '../../support/fake-hosts.ts';
import { FixedClock, InMemoryPackageCatalog, InMemoryServerRepository } from '../../support/fakes.ts';
import { admin } from '../../support/principals.ts';
import { FakePlanner, InMemoryScheduleRepository } from '../../support/schedule-fakes.ts';

const MIN = 60_000;
let repo: InMemoryServerRepository;
let schedules: InMemoryScheduleRepository;
let planner: FakePlanner;
let hosts: FakeHostProvider;
let clock: FixedClock;
let service: ScheduleService;
let runner: ScheduleRunner;
let packageReady: boolean;
const acme = admin('acme');

beforeEach(() => {
  repo = new InMemoryServerRepository();
  schedules = new InMemoryScheduleRepository();
  planner = new FakePlanner();
  hosts = new FakeHostProvider();
  clock = new FixedClock(new Date('2026-11-20T17:00:00.000Z'));
  packageReady = true;
  service = createScheduleService({ servers: repo, schedules, planner, clock });
  const lifecycle = createLifecycleService({
    servers: repo,
    index: new InMemoryServerIndex(repo),
    hosts,
    packages: {
      async resolvePackageFor() {
        if (!packageReady) throw new ConflictError('No ready mod package for this server.');
        return {} as ResolvedPackage;
      },
    },
    clock,
    instanceTypes: ['t3.medium'],
    transitionTimeoutMs: 900_000,
  });
  runner = createScheduleRunner({
    schedules,
    planner,
    lifecycle,
    keepalive: createKeepaliveService({ servers: repo, clock }),
    clock,
  });
});

async function newServer(principal = acme): Promise<string> {
  const servers = createServerService({
    servers: repo,
    packages: new InMemoryPackageCatalog(),
    clock,
    instanceTypes: ['t3.medium'],
  });
  return (await servers.create(principal, { name: 'Friday convoy', game: 'ets2' })).server.id;
}

const post = (id: string, body: unknown, principal = acme) =>
  createRoute(service)(
    apiEvent({
      method: 'POST',
      path: `/v1/servers/${id}/schedules`,
      pathParameters: { id },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      principal,
    }),
    lambdaContext,
  );

const list = (id: string, principal = acme) =>
  listRoute(service)(
    apiEvent({ path: `/v1/servers/${id}/schedules`, pathParameters: { id }, principal }),
    lambdaContext,
  );

/** What Scheduler would send for the schedule's next run, with the clock moved there. */
async function fireNext(view: ScheduleView, serverId: string) {
  const input =
    planner.schedules.get(`${serverId}.${view.id}`)?.input ?? fireInput({ serverId, id: view.id });
  const scheduledFor = view.nextRunAt ?? clock.now().toISOString();
  clock.advance(Date.parse(scheduledFor) - clock.now().getTime() + 5_000);
  return fireHandler(runner)(JSON.parse(input.replace('<aws.scheduler.scheduled-time>', scheduledFor)));
}

describe('POST /v1/servers/{id}/schedules', () => {
  it('answers 201 with the next start time and creates the Scheduler schedule', async () => {
    const id = await newServer();
    const result = await post(id, { cron: '30 19 * * FRI', timeZone: 'Europe/Berlin', name: 'Friday' });
    expect(result.statusCode).toBe(201);
    const view = JSON.parse(result.body ?? '') as ScheduleView;
    expect(view).toMatchObject({ name: 'Friday', warmupMinutes: 10, nextRunAt: '2026-11-20T18:20:00.000Z' });
    expect(planner.schedules.get(`${id}.${view.id}`)?.plan).toEqual({
      expression: 'cron(20 19 ? * FRI *)',
      timeZone: 'Europe/Berlin',
      once: false,
    });
  });

  it('refuses an invalid cron with 400 and the field path', async () => {
    const id = await newServer();
    const result = await post(id, { cron: '30 19 * * FRIDAY', timeZone: 'Europe/Berlin' });
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '').errors).toEqual([
      { path: 'cron', message: expect.stringContaining('"FRIDAY"') },
    ]);
    expect(planner.schedules.size).toBe(0);
  });

  it(`refuses the ${MAX_SCHEDULES_PER_SERVER + 1}th live schedule of a server with 409`, async () => {
    const id = await newServer();
    for (let i = 0; i < MAX_SCHEDULES_PER_SERVER; i++) {
      expect(
        (await post(id, { cron: `${i} 19 * * FRI`, timeZone: 'UTC', warmupMinutes: 0 })).statusCode,
      ).toBe(201);
    }
    expect((await post(id, { cron: '59 19 * * FRI', timeZone: 'UTC' })).statusCode).toBe(409);
  });

  it('answers 404 for another tenant and for a key restricted to other servers', async () => {
    const id = await newServer();
    expect((await post(id, { at: '2026-11-21T19:30:00Z' }, admin('other'))).statusCode).toBe(404);
    const restricted = admin('acme', { servers: ['srv_01jzzzzzzzzzzzzzzzzzzzzzzz'] });
    expect((await post(id, { at: '2026-11-21T19:30:00Z' }, restricted)).statusCode).toBe(404);
    expect((await list(id, admin('other'))).statusCode).toBe(404);
  });

  it('answers 403 without servers:power, and lists with servers:read', async () => {
    const id = await newServer();
    const reader = admin('acme', { scopes: ['servers:read'] });
    expect((await post(id, { at: '2026-11-21T19:30:00Z' }, reader)).statusCode).toBe(403);
    expect((await list(id, reader)).statusCode).toBe(200);
  });

  it('leaves no record behind when Scheduler refuses the schedule', async () => {
    const id = await newServer();
    planner.failCreates = true;
    await expect(service.create(acme, id, { at: '2026-11-21T19:30:00Z' })).rejects.toThrow(
      'Scheduler is down',
    );
    expect(await schedules.list(id)).toEqual([]);
  });
});

describe('DELETE /v1/servers/{id}/schedules/{scheduleId}', () => {
  it('deletes the record and the Scheduler schedule, then answers 404', async () => {
    const id = await newServer();
    const view = await service.create(acme, id, { at: '2026-11-21T19:30:00Z' });
    const call = () =>
      deleteRoute(service)(
        apiEvent({
          method: 'DELETE',
          path: `/v1/servers/${id}/schedules/${view.id}`,
          pathParameters: { id, scheduleId: view.id },
          principal: acme,
        }),
        lambdaContext,
      );
    expect((await call()).statusCode).toBe(204);
    expect(planner.schedules.size).toBe(0);
    expect((await call()).statusCode).toBe(404);
  });
});

describe('a scheduled run', () => {
  it('starts the server as the schedule, records the run and keeps the server up past the convoy', async () => {
    const id = await newServer();
    const view = await service.create(acme, id, { at: '2026-11-20T19:30:00Z', minRunMinutes: 120 });
    expect(view.nextRunAt).toBe('2026-11-20T19:20:00.000Z');

    expect(await fireNext(view, id)).toMatchObject({ result: 'started' });

    const server = repo.servers.get(id) as ServerRecord;
    expect(server).toMatchObject({ state: 'starting', stateReason: 'schedule' });
    expect(hosts.calls.filter((c) => c.startsWith('launch'))).toHaveLength(1);
    expect(repo.eventLog.get(id)?.find((e) => e.type === 'state.starting')?.actor).toBe(SCHEDULE_ACTOR);
    // Convoy at 19:30 plus 120 minutes: up until 21:30 whatever its players.
    expect(server.runtime?.keepaliveUntil).toBe('2026-11-20T21:30:05.000Z');
    const [listed] = (await service.list(acme, id)).items;
    expect(listed).toMatchObject({
      nextRunAt: null,
      lastRun: { outcome: 'started', scheduledFor: view.nextRunAt },
    });
    expect(schedules.events.at(-1)).toMatchObject({ type: 'schedule.run', actor: SCHEDULE_ACTOR });
  });

  it('starts once when Scheduler delivers the same run twice', async () => {
    const id = await newServer();
    const view = await service.create(acme, id, { cron: '30 19 * * FRI', timeZone: 'Europe/Berlin' });
    const input = JSON.parse(
      (planner.schedules.get(`${id}.${view.id}`)?.input ?? '').replace(
        '<aws.scheduler.scheduled-time>',
        view.nextRunAt ?? '',
      ),
    );
    clock.advance(80 * MIN);
    const results = await Promise.all([fireHandler(runner)(input), fireHandler(runner)(input)]);
    expect(results.map((r) => r.result).sort()).toEqual(['duplicate', 'started']);
    expect(hosts.calls.filter((c) => c.startsWith('launch'))).toHaveLength(1);
  });

  it('records a start refused for want of a package on the schedule and in the events', async () => {
    const id = await newServer();
    packageReady = false;
    const view = await service.create(acme, id, { at: '2026-11-20T19:30:00Z' });
    expect(await fireNext(view, id)).toMatchObject({ result: 'failed' });
    const [listed] = (await service.list(acme, id)).items;
    expect(listed?.lastRun).toMatchObject({
      outcome: 'failed',
      detail: 'No ready mod package for this server.',
    });
    expect(schedules.events.at(-1)?.detail).toMatchObject({ outcome: 'failed', scheduleId: view.id });
    expect(repo.servers.get(id)?.state).toBe('stopped');
  });

  it('records a start that found no capacity', async () => {
    const id = await newServer();
    hosts.noCapacity.add('t3.medium');
    const view = await service.create(acme, id, { at: '2026-11-20T19:30:00Z' });
    expect(await fireNext(view, id)).toMatchObject({ result: 'failed' });
    const [listed] = (await service.list(acme, id)).items;
    expect(listed?.lastRun?.detail).toMatch(/InsufficientInstanceCapacity/);
  });

  it('answers unchanged for a server already up', async () => {
    const id = await newServer();
    const first = await service.create(acme, id, { at: '2026-11-20T19:30:00Z' });
    const second = await service.create(acme, id, { at: '2026-11-20T19:40:00Z' });
    await fireNext(first, id);
    expect(await fireNext(second, id)).toMatchObject({ result: 'unchanged' });
  });

  it("deletes a deleted server's schedules when one fires", async () => {
    const id = await newServer();
    const view = await service.create(acme, id, { cron: '30 19 * * FRI', timeZone: 'Europe/Berlin' });
    await service.create(acme, id, { cron: '30 19 * * SAT', timeZone: 'Europe/Berlin' });
    repo.servers.delete(id);
    expect(await fireNext(view, id)).toMatchObject({ result: 'no-server' });
    expect(await schedules.list(id)).toEqual([]);
    expect(planner.schedules.size).toBe(0);
  });

  it('deletes a Scheduler schedule whose record is gone', async () => {
    const id = await newServer();
    const view = await service.create(acme, id, { cron: '30 19 * * FRI', timeZone: 'Europe/Berlin' });
    schedules.items.clear();
    expect(await fireNext(view, id)).toMatchObject({ result: 'no-schedule' });
    expect(planner.schedules.size).toBe(0);
  });

  it('ignores an event it cannot read', async () => {
    expect(await fireHandler(runner)({ hello: 'world' })).toEqual({ result: 'invalid-event' });
  });
});
