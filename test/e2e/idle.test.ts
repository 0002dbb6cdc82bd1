/**
 * Idle shutdown end to end: the reaper on its local timer (`CONVOY_REAPER_INTERVAL_S`, 5 s in
 * these tests) against simulated hosts whose agents send real heartbeats. Idle windows are
 * real minutes (one, the least the API allows), so these tests run concurrently and are few.
 */
import { describe, expect, it } from 'vitest';
import { apiUrl, call, createServer, type ServerEvent, sleep, until } from './support.ts';

const MIN = 60_000;
/** The reaper's local interval in these tests (test/e2e/global-setup.ts). */
const TICK_MS = 5_000;
/** A tick's own run time (its A2S queries of simulated addresses wait out their timeout) and the heartbeat interval. */
const SLACK_MS = 10_000;

const get = async (id: string) => (await call('GET', `/v1/servers/${id}`)).body;
const eventsOf = async (id: string) =>
  (await call('GET', `/v1/servers/${id}/events?limit=100`)).body.items as ServerEvent[];

/** A server with a one-minute window and no start grace, started and running. */
async function runningServer(): Promise<{ id: string; startedAt: number }> {
  const { id } = await createServer(undefined, { idle: { afterMinutes: 1, startGraceMinutes: 0 } });
  expect((await call('POST', `/v1/servers/${id}/start`)).status).toBe(202);
  const up = await until(
    () => get(id),
    (s) => s.state === 'running',
    30_000,
  );
  return { id, startedAt: Date.parse(up.runtime.startedAt) };
}

/** Sets the simulated server's players, once its simulated host is up (404 until then). */
async function setPlayers(id: string, count: number): Promise<void> {
  await until(
    async () =>
      (
        await fetch(new URL(`/local/servers/${id}/players`, apiUrl), {
          method: 'POST',
          body: JSON.stringify({ count }),
        })
      ).status,
    (status) => status === 202,
    30_000,
  );
}

const idleStop = (events: ServerEvent[]) =>
  events.find((e) => e.type === 'state.stopping' && e.actor === 'idle-reaper');

describe.concurrent('idle shutdown', () => {
  it(
    'stops a running server with no players one window after its start, plus at most a tick, as idle-reaper',
    async () => {
      const { id, startedAt } = await runningServer();
      // The reaper shows when it will stop (once it has looked: heartbeats say 0 players).
      const shown = await until(
        () => get(id),
        (s) => s.runtime?.idleStopAt != null,
        TICK_MS + SLACK_MS + 10_000,
      );
      expect(Date.parse(shown.runtime.idleStopAt)).toBe(startedAt + MIN);

      const stopping = await until(
        () => get(id),
        (s) => s.state !== 'running',
        MIN + TICK_MS + SLACK_MS + 10_000,
      );
      expect(['stopping', 'stopped']).toContain(stopping.state);
      expect(stopping.stateReason).toBe('idle');
      const stop = idleStop(await eventsOf(id));
      expect(stop).toMatchObject({ detail: { from: 'running', reason: 'idle' } });
      const after = Date.parse(stop?.at ?? '') - startedAt;
      expect(after).toBeGreaterThanOrEqual(MIN);
      expect(after).toBeLessThanOrEqual(MIN + TICK_MS + SLACK_MS);

      // A user's start while the reaper runs ends consistent: running, on a new run, never stopped again.
      await until(
        () => get(id),
        (s) => s.state === 'stopped',
        30_000,
      );
      const [started] = await Promise.all([
        call('POST', `/v1/servers/${id}/start`),
        fetch(new URL('/local/jobs/idle-reaper', apiUrl), { method: 'POST' }),
        fetch(new URL('/local/jobs/idle-reaper', apiUrl), { method: 'POST' }),
      ]);
      expect(started.status).toBe(202);
      const again = await until(
        () => get(id),
        (s) => s.state === 'running',
        30_000,
      );
      expect(Date.parse(again.runtime.startedAt)).toBeGreaterThan(startedAt);
      await fetch(new URL('/local/jobs/idle-reaper', apiUrl), { method: 'POST' });
      expect((await get(id)).state).toBe('running');
      const stops = (await eventsOf(id)).filter((e) => e.type === 'state.stopping');
      expect(stops).toHaveLength(1);
      await call('POST', `/v1/servers/${id}/stop`);
    },
    4 * MIN,
  );

  it(
    'keeps a server with 2 players running through three windows, then stops it a window after they leave',
    async () => {
      const { id } = await runningServer();
      await setPlayers(id, 2);
      // The heartbeat brings the players; the reaper's next tick clears `idleStopAt` (a tick that
      // read the server just before the heartbeat may still write one stale value).
      const busy = await until(
        () => get(id),
        (s) => s.runtime?.players === 2 && s.runtime.idleStopAt === null,
        2 * TICK_MS + SLACK_MS,
      );
      expect(busy.state).toBe('running');

      const end = Date.now() + 3 * MIN;
      while (Date.now() < end) {
        const now = await get(id);
        expect(now.state).toBe('running');
        expect(now.runtime.idleStopAt).toBeNull();
        await sleep(5_000);
      }
      const seen = Date.parse((await get(id)).runtime.lastPlayerSeenAt);
      expect(Date.now() - seen).toBeLessThan(TICK_MS + SLACK_MS);

      const left = Date.now();
      await setPlayers(id, 0);
      await until(
        () => get(id),
        (s) => s.state !== 'running',
        MIN + TICK_MS + SLACK_MS + 10_000,
      );
      const stop = idleStop(await eventsOf(id));
      expect(stop).toMatchObject({ detail: { reason: 'idle' } });
      const after = Date.parse(stop?.at ?? '') - left;
      // The last heartbeat with players may come up to one heartbeat before the count drops.
      expect(after).toBeGreaterThanOrEqual(MIN - SLACK_MS);
      expect(after).toBeLessThanOrEqual(MIN + TICK_MS + SLACK_MS);
    },
    6 * MIN,
  );

  it('keeps an empty server up on request, and refuses a keepalive for a stopped one', async () => {
    const { id } = await createServer(undefined, { idle: { afterMinutes: 1, startGraceMinutes: 0 } });
    expect((await call('POST', `/v1/servers/${id}/keepalive`, { json: { minutes: 30 } })).status).toBe(409);
    expect((await call('POST', `/v1/servers/${id}/start`)).status).toBe(202);
    const kept = await call('POST', `/v1/servers/${id}/keepalive`, { json: { minutes: 30 } });
    expect(kept.status).toBe(200);
    const until30 = Date.parse(kept.body.runtime.keepaliveUntil) - Date.now();
    expect(until30).toBeGreaterThan(29 * MIN);
    expect(until30).toBeLessThanOrEqual(30 * MIN);
    expect((await call('POST', `/v1/servers/${id}/keepalive`, { json: { minutes: 721 } })).status).toBe(400);
    expect((await eventsOf(id)).some((e) => e.type === 'server.keepalive')).toBe(true);
    await call('POST', `/v1/servers/${id}/stop`);
  });
});
