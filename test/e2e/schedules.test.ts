/**
 * Scheduled starts end to end: the API creates the schedule in the Scheduler stand-in, whose
 * timer (`CONVOY_SCHEDULER_TICK_MS`, 500 ms in these tests) invokes the real start handler.
 * The one-off is honest wall-clock time a minute ahead, so that test takes a minute; its
 * `server.ready` webhook is followed to a loopback receiver, signature checked.
 */
import { describe, expect, it } from 'vitest';
import { call, createServer, keyFor, type ServerEvent, sleep, until } from './support.ts';
import { signedWith, startReceiver } from './webhook-receiver.ts';

/** The stand-in's tick in these tests (test/e2e/global-setup.ts). */
const TICK_MS = 500;
/** The start itself (a write, the simulated launch) and the reading of the answer. */
const SLACK_MS = 2_000;

describe('scheduled starts', () => {
  it('starts the server of a one-off schedule a minute ahead within one timer tick, and tells its webhook', {
    timeout: 120_000,
  }, async () => {
    // A tenant of its own, so the receiver hears of this server only.
    const key = await keyFor('schedules-e2e', 'keys:admin,servers:read,servers:write,servers:power');
    const receiver = await startReceiver();
    const hook = await call('POST', '/v1/webhooks', {
      key,
      json: { url: `${receiver.base}/convoy`, events: ['server.ready'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const { id } = await createServer(key);
    const at = new Date(Date.now() + 60_000);
    const created = await call('POST', `/v1/servers/${id}/schedules`, {
      key,
      json: { at: at.toISOString(), warmupMinutes: 0, minRunMinutes: 30, name: 'Convoy in a minute' },
    });
    expect(created.status).toBe(201);
    // The start comes at the next whole second (Scheduler's `at(...)` has seconds).
    const startAt = Math.ceil(at.getTime() / 1000) * 1000;
    expect(created.body).toMatchObject({ nextRunAt: new Date(startAt).toISOString(), lastRun: null });

    await sleep(at.getTime() - Date.now() - 2_000);
    expect((await call('GET', `/v1/servers/${id}`, { key })).body.state).toBe('stopped');

    let server = (await call('GET', `/v1/servers/${id}`, { key })).body;
    while (server.state === 'stopped' && Date.now() < startAt + TICK_MS + SLACK_MS) {
      await sleep(100);
      server = (await call('GET', `/v1/servers/${id}`, { key })).body;
    }
    expect(['starting', 'running']).toContain(server.state);
    const events = (await call('GET', `/v1/servers/${id}/events?limit=100`, { key })).body
      .items as ServerEvent[];
    const starting = events.find((e) => e.type === 'state.starting');
    expect(starting?.actor).toBe('schedule');
    const startedAt = Date.parse(starting?.at ?? '');
    expect(startedAt).toBeGreaterThanOrEqual(at.getTime());
    expect(startedAt).toBeLessThan(startAt + TICK_MS + SLACK_MS);
    // The minimum run time after the convoy (set right after the start): the idle reaper leaves it up until then.
    const deadline = Date.now() + 5_000;
    while (!server.runtime?.keepaliveUntil && Date.now() < deadline) {
      await sleep(100);
      server = (await call('GET', `/v1/servers/${id}`, { key })).body;
    }
    expect(Date.parse(server.runtime.keepaliveUntil)).toBeGreaterThanOrEqual(at.getTime() + 30 * 60_000);

    let listed = (await call('GET', `/v1/servers/${id}/schedules`, { key })).body.items;
    while (listed[0]?.lastRun?.outcome === 'pending' && Date.now() < deadline + 5_000) {
      await sleep(100);
      listed = (await call('GET', `/v1/servers/${id}/schedules`, { key })).body.items;
    }
    expect(listed).toEqual([
      expect.objectContaining({
        nextRunAt: null,
        lastRun: expect.objectContaining({
          outcome: 'started',
          scheduledFor: new Date(startAt).toISOString(),
        }),
      }),
    ]);
    const after = (await call('GET', `/v1/servers/${id}/events?limit=100`, { key })).body
      .items as ServerEvent[];
    expect(after.find((e) => e.type === 'schedule.run')?.detail).toMatchObject({ outcome: 'started' });

    // The scheduled start's server.ready reaches the tenant's webhook, signed.
    try {
      const [ready] = await until(
        async () => receiver.eventsAt('/convoy', 'server.ready'),
        (r) => r.length >= 1,
        20_000,
      );
      if (!ready) throw new Error('no delivery');
      expect(signedWith(hook.body.secret, ready)).toBe(true);
      expect(JSON.parse(ready.body).data).toMatchObject({
        serverId: id,
        searchId: expect.stringMatching(/\/101$/),
      });
    } finally {
      await call('POST', `/v1/servers/${id}/stop`, { key });
      await receiver.close();
    }
  });

  it('lists, validates and deletes schedules, for the owning tenant only', async () => {
    const { id } = await createServer();
    const weekly = await call('POST', `/v1/servers/${id}/schedules`, {
      json: { cron: '30 19 * * FRI', timeZone: 'Europe/Berlin' },
    });
    expect(weekly.status).toBe(201);
    expect(weekly.body.upcoming).toHaveLength(5);

    const bad = await call('POST', `/v1/servers/${id}/schedules`, {
      json: { cron: '30 19 * * FRIDAY', timeZone: 'Europe/Berlin' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('cron');

    const stranger = await keyFor('e2e-schedules-other', 'servers:read,servers:power');
    expect((await call('GET', `/v1/servers/${id}/schedules`, { key: stranger })).status).toBe(404);
    expect(
      (await call('DELETE', `/v1/servers/${id}/schedules/${weekly.body.id}`, { key: stranger })).status,
    ).toBe(404);

    expect((await call('DELETE', `/v1/servers/${id}/schedules/${weekly.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/servers/${id}/schedules/${weekly.body.id}`)).status).toBe(404);
    await call('POST', `/v1/servers/${id}/schedules`, { json: { cron: '0 20 * * SAT', timeZone: 'UTC' } });
    expect((await call('DELETE', `/v1/servers/${id}/schedules`)).status).toBe(204);
    expect((await call('GET', `/v1/servers/${id}/schedules`)).body.items).toEqual([]);
  });
});
