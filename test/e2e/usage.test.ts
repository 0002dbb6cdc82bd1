/**
 * Uptime and cost end to end: runs recorded by the lifecycle's own writes (simulated hosts boot
 * and stop in 100 ms here), read back through the usage routes.
 */
import { describe, expect, it } from 'vitest';
import { call, createServer, keyFor, type ServerEvent, sleep, until } from './support.ts';

const stateIs = (id: string, state: string) =>
  until(
    () => call('GET', `/v1/servers/${id}`),
    (r) => r.body?.state === state,
  );
const month = new Date().toISOString().slice(0, 7);
const HOUR_MS = 3_600_000;

/** The runs as the server's events tell them: from each `state.running` to the next state. */
async function runsFromEvents(id: string) {
  const events = ((await call('GET', `/v1/servers/${id}/events?limit=100`)).body.items as ServerEvent[])
    .filter((e) => e.type.startsWith('state.'))
    .reverse();
  const runs: { startedAt: string; endedAt: string | null }[] = [];
  for (const [i, e] of events.entries()) {
    if (e.type === 'state.running') runs.push({ startedAt: e.at, endedAt: events[i + 1]?.at ?? null });
  }
  return runs;
}

describe('usage over HTTP', () => {
  it('for a server started and stopped three times, equals the sum of its runs', async () => {
    const { id } = await createServer();
    for (let i = 0; i < 3; i++) {
      expect((await call('POST', `/v1/servers/${id}/start`)).status).toBe(202);
      await stateIs(id, 'running');
      await sleep(200);
      expect((await call('POST', `/v1/servers/${id}/stop`)).status).toBe(202);
      await stateIs(id, 'stopped');
    }

    const reply = await call('GET', `/v1/servers/${id}/usage?month=${month}`);
    expect(reply.status).toBe(200);
    const usage = reply.body;
    expect(usage).toMatchObject({ serverId: id, month, estimate: true, basis: { currency: 'USD' } });
    expect(usage.basis.instanceHourlyUsd).toEqual({ 't3.medium': 0.0416 });

    // Each run is one the events tell of, at the launched type.
    const told = await runsFromEvents(id);
    expect(told).toHaveLength(3);
    expect(usage.runs.map((r: { startedAt: string; endedAt: string }) => [r.startedAt, r.endedAt])).toEqual(
      told.map((r) => [r.startedAt, r.endedAt]),
    );
    for (const run of usage.runs) {
      expect(run.instanceType).toBe('t3.medium');
      expect(run.hours).toBeCloseTo((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / HOUR_MS, 5);
      expect(run.hours).toBeGreaterThan(0);
    }

    // The totals are the sum of the runs. Every figure is rounded to a millionth (of an hour, of a
    // dollar) on its own, so sums of rounded figures may differ from rounded sums by a few of those.
    const sum = (pick: (r: { hours: number; costUsd: number }) => number) =>
      usage.runs.reduce((acc: number, r: { hours: number; costUsd: number }) => acc + pick(r), 0);
    expect(usage.runningHours).toBeCloseTo(
      sum((r) => r.hours),
      5,
    );
    expect(usage.cost.instanceUsd).toBeCloseTo(usage.runningHours * 0.0416, 5);
    expect(usage.cost.ipv4Usd).toBeCloseTo(usage.runningHours * 0.005, 5);
    expect(usage.cost.instanceUsd + usage.cost.ipv4Usd).toBeCloseTo(
      sum((r) => r.costUsd),
      5,
    );
    expect(usage.cost.totalUsd).toBeCloseTo(
      usage.cost.instanceUsd + usage.cost.ipv4Usd + usage.cost.volumeUsd,
      5,
    );
    expect(usage.cost.volumeUsd).toBeGreaterThan(0);

    // The tenant-wide answer counts the server with the same figures.
    const tenant = await call('GET', `/v1/usage?month=${month}`);
    expect(tenant.status).toBe(200);
    expect(tenant.body.estimate).toBe(true);
    const mine = tenant.body.servers.find((s: { serverId: string }) => s.serverId === id);
    expect(mine).toMatchObject({ deleted: false, runningHours: usage.runningHours });
    expect(tenant.body.runningHours).toBeGreaterThanOrEqual(usage.runningHours);
  });

  it('keeps other tenants and other servers’ restricted keys out, and refuses a bad month', async () => {
    const { id } = await createServer();
    const outsider = await keyFor('usage-outsider', 'servers:read');
    expect((await call('GET', `/v1/servers/${id}/usage`, { key: outsider })).status).toBe(404);
    const outsiders = await call('GET', '/v1/usage', { key: outsider });
    expect(outsiders.status).toBe(200);
    expect(outsiders.body.servers).toEqual([]);

    const { id: otherId } = await createServer();
    const restricted = await keyFor('local', 'servers:read', ['--servers', otherId]);
    expect((await call('GET', `/v1/servers/${id}/usage`, { key: restricted })).status).toBe(404);
    expect((await call('GET', `/v1/servers/${otherId}/usage`, { key: restricted })).status).toBe(200);
    const restrictedTotal = await call('GET', '/v1/usage', { key: restricted });
    expect(restrictedTotal.body.servers.map((s: { serverId: string }) => s.serverId)).not.toContain(id);

    const bad = await call('GET', `/v1/servers/${id}/usage?month=2026-13`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);

    const writeOnly = await keyFor('usage-outsider', 'servers:write');
    expect((await call('GET', '/v1/usage', { key: writeOnly })).status).toBe(403);
  });
  it('refuses a start past the tenant’s monthly budget with 402, and starts again without one', async () => {
    // A tenant of its own: a budget applies to every server of the tenant.
    const key = await keyFor('usage-budget', 'servers:read,servers:write,servers:power,keys:admin');
    const { id } = await createServer(key);
    const readOnly = await keyFor('usage-budget', 'servers:read');
    expect((await call('PUT', '/v1/budget', { key: readOnly, json: { monthlyUsd: 0 } })).status).toBe(403);
    expect((await call('PUT', '/v1/budget', { key, json: { monthlyUsd: -1 } })).status).toBe(400);

    const set = await call('PUT', '/v1/budget', { key, json: { monthlyUsd: 0 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ month, estimate: true, monthlyUsd: 0, spentUsd: 0, fractionUsed: 1 });
    const refused = await call('POST', `/v1/servers/${id}/start`, { key });
    expect(refused.status).toBe(402);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(refused.body.detail).toMatch(/budget/);
    expect((await call('GET', `/v1/servers/${id}`, { key })).body.state).toBe('stopped');
    expect((await call('GET', '/v1/usage', { key })).body.budget).toMatchObject({ monthlyUsd: 0 });

    expect((await call('PUT', '/v1/budget', { key, json: { monthlyUsd: null } })).body.monthlyUsd).toBeNull();
    expect((await call('POST', `/v1/servers/${id}/start`, { key })).status).toBe(202);
    await until(
      () => call('GET', `/v1/servers/${id}`, { key }),
      (r) => r.body?.state === 'running',
    );
    expect((await call('POST', `/v1/servers/${id}/stop`, { key })).status).toBe(202);
  });
});
