/** The local API Gateway answers as the deployed HTTP API does, around the same handlers. */
import { describe, expect, inject, it } from 'vitest';

const apiUrl = inject('apiUrl');
const adminKey = inject('adminKey');

const call = (method: string, path: string, init: { key?: string; body?: string | Uint8Array } = {}) =>
  fetch(new URL(path, apiUrl), {
    method,
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body,
  });

describe('the local API Gateway', () => {
  it('answers 404 to a known path with a method it has no route for', async () => {
    const response = await call('PUT', '/v1/health');

    expect(response.status).toBe(404);
    await expect(response.json()).resolves.toEqual({ message: 'Not Found' });
  });

  it('refuses bodies over its own 10 MB limit before any handler runs', async () => {
    const response = await call('POST', '/v1/servers', {
      key: adminKey,
      body: new Uint8Array(10 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    await expect(response.json()).resolves.toEqual({ message: 'Request Entity Too Large' });
  });

  it('leaves smaller oversized bodies to the handler, which answers with a problem', async () => {
    const response = await call('POST', '/v1/servers', { key: adminKey, body: ' '.repeat(2 * 1024 * 1024) });

    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('stops accepting a deleted key at once: local mode caches no authorizer answer', async () => {
    const created = await call('POST', '/v1/keys', {
      key: adminKey,
      body: JSON.stringify({ name: 'short-lived', scopes: ['servers:read'] }),
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    expect((await call('GET', '/v1/servers', { key: secret })).status).toBe(200);

    expect((await call('DELETE', `/v1/keys/${key.id}`, { key: adminKey })).status).toBe(204);

    expect((await call('GET', '/v1/servers', { key: secret })).status).toBe(401);
  });
});
