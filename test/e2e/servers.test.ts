import { describe, expect, it } from 'vitest';
import { call, createServer, keyFor } from './support.ts';

const paths = (reply: { body: { errors?: { path: string }[] } }) => reply.body.errors?.map((e) => e.path);

describe('servers over HTTP', () => {
  it('creates, reads, patches, previews and deletes a server', async () => {
    const created = await call('POST', '/v1/servers', {
      json: { name: 'Friday Night Convoy', game: 'ats', config: { password: 'hunter2' } },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"v1"');
    expect(created.text).not.toContain('hunter2');
    const id = created.body.id as string;

    const got = await call('GET', `/v1/servers/${id}`);
    expect(got.body).toMatchObject({ id, state: 'stopped', runtime: null, config: { passwordSet: true } });

    const patched = await call('PATCH', `/v1/servers/${id}`, {
      json: { idle: { afterMinutes: 5 } },
      headers: { 'if-match': '"v1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, idle: { afterMinutes: 5, autoStop: true } });

    const sii = await call('GET', `/v1/servers/${id}/config.sii`);
    expect(sii.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(sii.text).toContain(' password: "<redacted>"');
    expect(sii.text).not.toContain('hunter2');

    const events = await call('GET', `/v1/servers/${id}/events`);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual([
      'server.updated',
      'server.created',
    ]);

    expect((await call('DELETE', `/v1/servers/${id}`)).status).toBe(204);
    expect((await call('GET', `/v1/servers/${id}`)).status).toBe(404);
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    const { id } = await createServer();
    const attempts: [string, string | object, number, string[] | undefined][] = [
      ['quote in lobby name', { config: { lobbyName: 'say "hi"' } }, 400, ['config.lobbyName']],
      ['line break in lobby name', { config: { lobbyName: 'two\nlines' } }, 400, ['config.lobbyName']],
      ['nine players', { config: { maxPlayers: 9 } }, 400, ['config.maxPlayers']],
      ['an unknown field', { colour: 'red' }, 400, ['colour']],
      ['invalid JSON', '{"name": ', 400, undefined],
      ['a 2 MiB body', JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), 413, undefined],
    ];
    for (const [what, body, status, errorPaths] of attempts) {
      const reply =
        typeof body === 'string'
          ? await call('PATCH', `/v1/servers/${id}`, { raw: body })
          : await call('PATCH', `/v1/servers/${id}`, { json: body });
      expect(reply.status, what).toBe(status);
      expect(reply.headers.get('content-type'), what).toBe('application/problem+json');
      expect(reply.body, what).toMatchObject({
        status,
        title: expect.any(String),
        detail: expect.any(String),
      });
      if (errorPaths) expect(paths(reply), what).toEqual(errorPaths);
    }
    const after = await call('GET', `/v1/servers/${id}`);
    expect(after.body.version).toBe(1);
    expect((await call('GET', `/v1/servers/${id}/events`)).body.items).toHaveLength(1);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const reply = await call('POST', '/v1/servers', {
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(reply.status).toBe(415);
  });

  it('answers 401 for an unknown key and 403 for a key without the scope', async () => {
    expect((await call('GET', '/v1/servers', { key: 'cvk_not-a-real-key-at-all' })).status).toBe(401);
    const reader = await keyFor('e2e-reader', 'servers:read');
    const refused = await call('POST', '/v1/servers', { key: reader, json: { name: 'x', game: 'ets2' } });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('servers:write');
  });

  it("answers 404 for another tenant's server, whatever the route", async () => {
    const { id } = await createServer();
    const other = await keyFor('e2e-other', 'servers:read,servers:write');
    for (const [method, path] of [
      ['GET', `/v1/servers/${id}`],
      ['GET', `/v1/servers/${id}/config.sii`],
      ['GET', `/v1/servers/${id}/events`],
      ['DELETE', `/v1/servers/${id}`],
    ] as const) {
      expect((await call(method, path, { key: other })).status, `${method} ${path}`).toBe(404);
    }
    const patch = await call('PATCH', `/v1/servers/${id}`, { key: other, json: { name: 'mine now' } });
    expect(patch.status).toBe(404);
    expect((await call('GET', `/v1/servers/${id}`)).body.name).toBe('E2E Convoy');
  });

  it('restricts a key to its servers', async () => {
    const mine = await createServer();
    const other = await createServer();
    const bot = (
      await call('POST', '/v1/keys', { json: { name: 'bot', scopes: ['servers:read'], servers: [mine.id] } })
    ).body.secret as string;
    expect((await call('GET', `/v1/servers/${mine.id}`, { key: bot })).status).toBe(200);
    expect((await call('GET', `/v1/servers/${other.id}`, { key: bot })).status).toBe(404);
    expect(
      (await call('GET', '/v1/servers', { key: bot })).body.items.map((s: { id: string }) => s.id),
    ).toEqual([mine.id]);
  });

  it('lets exactly one of 20 parallel PATCHes with the same If-Match win; the rest get 412', async () => {
    const { id } = await createServer();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call('PATCH', `/v1/servers/${id}`, {
          json: { name: `writer ${i}` },
          headers: { 'if-match': '"v1"' },
        }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    expect((await call('GET', `/v1/servers/${id}`)).body.version).toBe(2);
  });

  it('replays a retried create with the same Idempotency-Key and creates nothing new', async () => {
    const key = await keyFor('e2e-idempotency', 'servers:read,servers:write');
    const body = {
      json: { name: 'Retry Convoy', game: 'ets2' },
      headers: { 'idempotency-key': 'create-once' },
      key,
    };
    const replies = await Promise.all([call('POST', '/v1/servers', body), call('POST', '/v1/servers', body)]);
    expect(replies.map((r) => r.status)).toEqual([201, 201]);
    expect(replies[0]?.body.id).toBe(replies[1]?.body.id);
    expect((await call('GET', '/v1/servers', { key })).body.items).toHaveLength(1);
    const changed = await call('POST', '/v1/servers', { ...body, json: { name: 'Other', game: 'ets2' } });
    expect(changed.status).toBe(422);
  });

  it('pages through a tenant’s servers newest first', async () => {
    const key = await keyFor('e2e-paging', 'servers:read,servers:write');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createServer(key)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await call(
        'GET',
        `/v1/servers?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { key },
      );
      seen.push(...page.body.items.map((s) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await call('GET', '/v1/servers?limit=0', { key })).status).toBe(400);
  });
});

describe('keys over HTTP', () => {
  it('shows a secret once, lists the key without it, and stops it working at once when deleted', async () => {
    const created = await call('POST', '/v1/keys', { json: { name: 'temp', scopes: ['servers:read'] } });
    expect(created.status).toBe(201);
    const { key, secret } = created.body as { key: { id: string }; secret: string };
    expect(secret).toMatch(/^cvk_/);
    const listed = await call('GET', '/v1/keys?limit=100');
    expect(listed.text).not.toContain(secret);
    expect(listed.body.items.map((k: { id: string }) => k.id)).toContain(key.id);
    expect((await call('GET', '/v1/servers', { key: secret })).status).toBe(200);
    expect((await call('DELETE', `/v1/keys/${key.id}`)).status).toBe(204);
    expect((await call('GET', '/v1/servers', { key: secret })).status).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('describes every route, generated from the schemas', async () => {
    const reply = await call('GET', '/v1/openapi.json', { key: null });
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    expect(Object.keys(reply.body.paths)).toContain('/v1/servers/{id}/config.sii');
    const create = reply.body.paths['/v1/servers'].post.requestBody.content['application/json'].schema;
    expect(create.properties.config.properties.maxPlayers).toMatchObject({ type: 'integer', maximum: 8 });
  });
});
