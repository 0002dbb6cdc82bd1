import { describe, expect, it, vi } from 'vitest';
import { createHandler as health } from '../../../functions/meta/health.ts';
import { createHandler as createServer } from '../../../functions/servers/create.ts';
import { createHandler as getServer } from '../../../functions/servers/get.ts';
import { NotFoundError } from '../../../shared/domain/errors.ts';
import type { ServerService } from '../../../shared/services/servers.ts';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { admin } from '../../support/principals.ts';

const json = { 'content-type': 'application/json' };
const failingCreate = (): Pick<ServerService, 'create'> => ({
  create: vi.fn(() => Promise.reject(new Error('unexpected'))),
});
const post = (body: string, headers: Record<string, string> = json) =>
  apiEvent({ method: 'POST', path: '/v1/servers', body, headers, principal: admin() });
const problemOf = (result: { body?: string }) => JSON.parse(result.body ?? '{}');

describe('the HTTP chain', () => {
  it('answers 401 problem+json when the authorizer did not recognise the key', async () => {
    const result = await createServer(failingCreate())(
      apiEvent({ method: 'POST', body: '{}', headers: json }),
      lambdaContext,
    );
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(problemOf(result)).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('answers 403 when the key lacks the route’s scope', async () => {
    const reader = admin('acme', { scopes: ['servers:read'] });
    const event = apiEvent({ method: 'POST', body: '{}', headers: json, principal: reader });
    const result = await createServer(failingCreate())(event, lambdaContext);
    expect(result.statusCode).toBe(403);
    expect(problemOf(result).detail).toContain('servers:write');
  });

  it('answers 413 for a body over 1 MiB without parsing it', async () => {
    const result = await createServer(failingCreate())(
      post(`"${'x'.repeat(2 * 1024 * 1024)}"`),
      lambdaContext,
    );
    expect(result.statusCode).toBe(413);
  });

  it('answers 415 for a body that is not JSON by its content type', async () => {
    const result = await createServer(failingCreate())(
      post('name=x', { 'content-type': 'text/plain' }),
      lambdaContext,
    );
    expect(result.statusCode).toBe(415);
  });

  it('answers 400 for malformed JSON', async () => {
    const result = await createServer(failingCreate())(post('{"name":'), lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).detail).toMatch(/not valid JSON/);
  });

  it('answers 400 naming each invalid field by path', async () => {
    const body = JSON.stringify({
      name: 'x',
      game: 'ets2',
      config: { lobbyName: 'a"b', maxPlayers: 9 },
      extra: true,
    });
    const result = await createServer(failingCreate())(post(body), lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).errors.map((e: { path: string }) => e.path)).toEqual([
      'config.lobbyName',
      'config.maxPlayers',
      'extra',
    ]);
  });

  it('answers a 500 that reveals nothing of the failure', async () => {
    const body = JSON.stringify({ name: 'x', game: 'ets2' });
    const result = await createServer(failingCreate())(post(body), lambdaContext);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('unexpected');
    expect(problemOf(result)).toMatchObject({ status: 500, title: 'Internal error' });
  });

  it('maps domain errors to their status', async () => {
    const servers = { get: vi.fn(() => Promise.reject(new NotFoundError('No server srv_x.'))) };
    const event = apiEvent({ pathParameters: { id: 'srv_x' }, principal: admin() });
    const result = await getServer(servers)(event, lambdaContext);
    expect(result.statusCode).toBe(404);
    expect(problemOf(result).detail).toBe('No server srv_x.');
  });

  it('sets security headers and no-store on every response', async () => {
    const result = await health('1.2.3')(apiEvent({ path: '/v1/health' }), lambdaContext);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual({ status: 'ok', version: '1.2.3' });
    expect(result.headers).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect(result.headers?.['strict-transport-security']).toMatch(/^max-age=\d+/);
  });

  it('sets the same security headers on problems', async () => {
    const result = await createServer(failingCreate())(post('{'), lambdaContext);
    expect(result.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });
});
