/**
 * Issue 7's webhook acceptance against the running local stack: a loopback receiver gets
 * `server.ready` (address and search id) with a valid signature after a start, and a receiver
 * that fails twice gets the delivery on the third try, every try visible through the API.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../shared/domain/webhook.ts';
import { call, createServer, keyFor, until } from './support.ts';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe('lifecycle webhooks', () => {
  const received: Received[] = [];
  const failuresLeft = new Map<string, number>([['/flaky', 2]]);
  const receiver = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const left = failuresLeft.get(path) ?? 0;
      failuresLeft.set(path, left - 1);
      res.writeHead(left > 0 ? 500 : 204);
      res.end();
    });
  });
  let base = '';
  let key = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // A tenant of its own: other tests' servers do not reach these receivers.
    key = await keyFor('webhooks-e2e', 'keys:admin,servers:read,servers:write,servers:power');
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

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

    const readyFor = (path: string) =>
      received.filter((r) => r.path === path && JSON.parse(r.body).type === 'server.ready');
    await until(
      async () => readyFor('/good').length,
      (n) => n >= 1,
      20_000,
    );
    const [delivery] = readyFor('/good');
    if (!delivery) throw new Error('no delivery');
    const signature = {
      timestamp: String(delivery.headers[TIMESTAMP_HEADER]),
      signature: String(delivery.headers[SIGNATURE_HEADER]),
    };
    expect(verifyWebhook(good.body.secret, signature, delivery.body)).toBe(true);
    expect(verifyWebhook(flaky.body.secret, signature, delivery.body)).toBe(false);
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
    expect(received.every((r) => JSON.parse(r.body).type === 'server.ready')).toBe(true);

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
});
