import { describe, expect, inject, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };

const apiUrl = inject('apiUrl');
const adminKey = inject('adminKey');

const get = (path: string, key?: string) =>
  fetch(new URL(path, apiUrl), { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('the local stack', () => {
  it('reports its health and version to anyone', async () => {
    const response = await get('/v1/health');

    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ status: 'ok', version: pkg.version });
  });

  it('answers 401 to a keyed route called without a key, as API Gateway does', async () => {
    const response = await get('/v1/servers');

    expect(response.status).toBe(401);
    await expect(response.json()).resolves.toEqual({ message: 'Unauthorized' });
  });

  it('lists servers for the admin key', async () => {
    const response = await get('/v1/servers', adminKey);

    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: unknown; nextCursor: unknown };
    // Other e2e files share the stack and may have made servers: the shape is what holds here.
    expect(Array.isArray(body.items)).toBe(true);
    expect(body.nextCursor === null || typeof body.nextCursor === 'string').toBe(true);
  });

  it('answers 404 to an unknown path', async () => {
    const response = await get('/v1/nothing-here', adminKey);

    expect(response.status).toBe(404);
    await expect(response.json()).resolves.toEqual({ message: 'Not Found' });
  });
});
