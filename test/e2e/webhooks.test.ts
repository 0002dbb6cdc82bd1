/**
 * Issue 7's webhook acceptance against the running local stack: a loopback receiver gets
 * `server.ready` (address and search id) with a valid signature after a start, and a receiver
 * that fails twice gets the delivery on the third try, every try visible through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createServer, keyFor, until } from './support.ts';
import type { Receiver } from './webhook-receiver.ts';
import { signedWith, startReceiver } from './webhook-receiver.ts';

describe('lifecycle webhooks', () => {
  let receiver: Receiver;
  let base = '';
  let key = '';

  beforeAll(async () => {
    receiver = await startReceiver({ '/flaky': 2 });
    base = receiver.base;
    // A tenant of its own: other tests' servers do not reach these receivers.
    key = await keyFor('webhooks-e2e', 'keys:admin,servers:read,servers:write,servers:power');
  });
  afterAll(() => receiver.close());

  it('delivers a signed server.ready, and retries a failing receiver until its third try', async () => {
    const good = await call('POST', '/v1/webhooks', {
      key,
      json: { url: `${base}/good`, events: ['server.ready'] },
    });
    expect(good.status, good.text).toBe(201);
    expect(good.body.secret).toMatch(/^cvw_/);
    const flaky = await call('POST', '/v1/webhooks', {
      key,
      json: { url: `${base}/flaky`, events: ['server.ready'] },
    });
    expect(flaky.status, flaky.text).toBe(201);

    const { id } = await createServer(key);
    expect((await call('POST', `/v1/servers/${id}/start`, { key })).status).toBe(202);

    const readyFor = (path: string) => receiver.eventsAt(path, 'server.ready');
    await until(
      async () => readyFor('/good').length,
      (n) => n >= 1,
      20_000,
    );
    const [delivery] = readyFor('/good');
    if (!delivery) throw new Error('no delivery');
    expect(signedWith(good.body.secret, delivery)).toBe(true);
    expect(signedWith(flaky.body.secret, delivery)).toBe(false);
    const event = JSON.parse(delivery.body);
    expect(event).toMatchObject({
      type: 'server.ready',
      tenantId: 'webhooks-e2e',
      id: expect.stringMatching(/^whe_/),
    });
    expect(event.data).toMatchObject({ serverId: id, connectionPort: 27015 });
    expect(event.data.address).toEqual(expect.any(String));
    expect(event.data.searchId).toMatch(/^\d{17}\/101$/);

    // Two failures (500), then the third try: 1 s and 2 s of backoff locally.
    await until(
      async () => readyFor('/flaky').length,
      (n) => n >= 3,
      20_000,
    );
    const history = await until(
      async () => (await call('GET', `/v1/webhooks/${flaky.body.webhook.id}`, { key })).body,
      // biome-ignore lint/suspicious/noExplicitAny: a client's loose read.
      (w: any) => w.recentDeliveries.some((a: any) => a.eventType === 'server.ready' && a.ok),
    );
    const tries = history.recentDeliveries
      .filter((a: { eventType: string }) => a.eventType === 'server.ready')
      .map((a: { attempt: number; status: number; ok: boolean }) => [a.attempt, a.status, a.ok]);
    expect(tries).toEqual([
      [3, 204, true],
      [2, 500, false],
      [1, 500, false],
    ]);
    // Each webhook gets only the events it asked for.
    expect(receiver.received.every((r) => JSON.parse(r.body).type === 'server.ready')).toBe(true);

    await call('POST', `/v1/servers/${id}/stop`, { key });
  });

  it('lists and deletes webhooks, never showing the secret again; refuses a non-http URL', async () => {
    const made = await call('POST', '/v1/webhooks', {
      key,
      json: { url: `${base}/x`, events: ['server.stopped'] },
    });
    const listed = await call('GET', '/v1/webhooks', { key });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(made.body.secret);
    expect(listed.body.items.map((w: { id: string }) => w.id)).toContain(made.body.webhook.id);
    expect((await call('DELETE', `/v1/webhooks/${made.body.webhook.id}`, { key })).status).toBe(204);
    expect((await call('GET', `/v1/webhooks/${made.body.webhook.id}`, { key })).status).toBe(404);
    const bad = await call('POST', '/v1/webhooks', {
      key,
      json: { url: 'ftp://127.0.0.1/', events: ['server.ready'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ path: 'url' });
  });

  it('warns once when a running server takes the tenant past 80 % of its monthly budget', {
    timeout: 60_000,
  }, async () => {
    const budgetKey = await keyFor(
      'budget-warning-e2e',
      'keys:admin,servers:read,servers:write,servers:power',
    );
    const hook = await call('POST', '/v1/webhooks', {
      key: budgetKey,
      json: { url: `${base}/budget`, events: ['budget.warning'] },
    });
    expect(hook.status, hook.text).toBe(201);
    // $0.0001: at the default t3.medium and IPv4 prices ($0.0466 an hour) 80 % is spent in ~6 s.
    expect((await call('PUT', '/v1/budget', { key: budgetKey, json: { monthlyUsd: 0.0001 } })).status).toBe(
      200,
    );
    const { id } = await createServer(budgetKey);
    expect((await call('POST', `/v1/servers/${id}/start`, { key: budgetKey })).status).toBe(202);

    const [warning] = await until(
      async () => receiver.eventsAt('/budget', 'budget.warning'),
      (w) => w.length >= 1,
      30_000,
    );
    if (!warning) throw new Error('no warning');
    expect(signedWith(hook.body.secret, warning)).toBe(true);
    const event = JSON.parse(warning.body);
    expect(event).toMatchObject({
      tenantId: 'budget-warning-e2e',
      data: { monthlyUsd: 0.0001, warnAtFraction: 0.8, month: new Date().toISOString().slice(0, 7) },
    });
    expect(event.data.fractionUsed).toBeGreaterThanOrEqual(0.8);
    // Heartbeats keep coming (one a second here); the warning does not.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(receiver.eventsAt('/budget', 'budget.warning')).toHaveLength(1);
    await call('POST', `/v1/servers/${id}/stop`, { key: budgetKey });
  });
});
