/**
 * Issue 4's acceptance, end to end: each running instance of the EC2 stand-in is a simulated
 * host running the real bundled agent against a simulated dedicated server; what it reports
 * reaches the server's `runtime`, and its failures end in `error` with the right reason.
 */
import { describe, expect, it } from 'vitest';
import { call, createServer, until } from './support.ts';

// biome-ignore lint/suspicious/noExplicitAny: a server as a client reads it.
const get = async (id: string): Promise<any> => (await call('GET', `/v1/servers/${id}`)).body;
const local = (path: string, json: unknown) => call('POST', path, { key: null, json });

async function runningServer(): Promise<string> {
  const { id } = await createServer();
  const started = await call('POST', `/v1/servers/${id}/start`);
  expect(started.status, started.text).toBe(202);
  await until(
    () => get(id),
    (s) => s.state === 'running',
  );
  return id;
}

async function stopped(id: string): Promise<void> {
  await call('POST', `/v1/servers/${id}/stop`);
  await until(
    () => get(id),
    (s) => s.state === 'stopped',
  );
}

describe('simulated game hosts and their agent', () => {
  it('reports ready, the search id and the players; a rejected logon token ends in error', async () => {
    const id = await runningServer();
    const ready = await until(
      () => get(id),
      (s) => s.runtime?.ready === true,
    );
    expect(ready.runtime).toMatchObject({ ready: true, players: 0, gameVersion: '1.53.1.0s' });
    expect(ready.runtime.searchId).toMatch(/^\d{17}\/101$/);
    expect(Date.now() - Date.parse(ready.runtime.lastHeartbeatAt)).toBeLessThan(120_000);

    const players = await local(`/local/servers/${id}/players`, { count: 3 });
    expect(players.status, players.text).toBe(202);
    const three = await until(
      () => get(id),
      (s) => s.runtime?.players === 3,
    );
    expect(three.runtime.lastPlayerSeenAt).not.toBeNull();

    expect((await local(`/local/servers/${id}/fail`, { fail: 'logon-token-rejected' })).status).toBe(202);
    const failed = await until(
      () => get(id),
      (s) => s.state === 'error',
    );
    expect(failed).toMatchObject({ state: 'error', stateReason: 'logon-token-rejected', runtime: null });
    const events = (await call('GET', `/v1/servers/${id}/events`)).body.items as {
      type: string;
      actor: string;
    }[];
    expect(events[0]).toMatchObject({ type: 'state.error', actor: expect.stringMatching(/^host:i-/) });

    await stopped(id);
  });

  it('reports a server that keeps crashing as a crash loop', async () => {
    const id = await runningServer();
    expect((await local(`/local/servers/${id}/fail`, { fail: 'crash' })).status).toBe(202);
    const failed = await until(
      () => get(id),
      (s) => s.state === 'error',
      20_000,
    );
    expect(failed.stateReason).toBe('crash-loop');
    await stopped(id);
  });

  it('answers the local routes with problems for bad input and servers without a host', async () => {
    const { id } = await createServer();
    const noHost = await local(`/local/servers/${id}/players`, { count: 1 });
    expect(noHost.status).toBe(404);
    expect(noHost.headers.get('content-type')).toContain('application/problem+json');
    const bad = await local(`/local/servers/${id}/players`, { count: 'three' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'count', message: 'must be a whole number from 0 to 255' }]);
    expect((await local(`/local/servers/${id}/fail`, { fail: 'meteor' })).status).toBe(400);
    expect((await local(`/local/servers/${id}/players`, { count: 1, extra: true })).status).toBe(400);
  });

  it('refuses host routes to anyone not signing as a host', async () => {
    const unsigned = await call('GET', '/v1/host/bundle', { key: null });
    expect(unsigned.status).toBe(403);
    const withApiKey = await call('POST', '/v1/host/heartbeat', {
      json: { ready: true, searchId: null, players: 0, gameVersion: null },
    });
    expect(withApiKey.status).toBe(403);
    const forged = await call('GET', '/v1/host/bundle', {
      key: null,
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=ASIAFORGED0000000000/20261122/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
          '0'.repeat(64),
        'x-amz-date': '20261122T100000Z',
      },
    });
    expect(forged.status).toBe(403);
  });
});
