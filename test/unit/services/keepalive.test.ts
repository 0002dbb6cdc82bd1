import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/servers/keepalive.ts';
import type { ServerRecord, ServerRuntime, ServerState } from '../../../shared/domain/server.ts';
import { createKeepaliveService, type KeepaliveService } from '../../../shared/services/keepalive.ts';
import { createServerService } from '../../../shared/services/servers.ts';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { FixedClock, InMemoryPackageCatalog, InMemoryServerRepository } from '../../support/fakes.ts';
import { admin } from '../../support/principals.ts';

const MIN = 60_000;
let repo: InMemoryServerRepository;
let clock: FixedClock;
let keepalive: KeepaliveService;
const acme = admin('acme');

beforeEach(() => {
  repo = new InMemoryServerRepository();
  clock = new FixedClock();
  keepalive = createKeepaliveService({ servers: repo, clock });
});

/** A server in `state`; running ones show an idle stop 30 minutes out. */
async function serverIn(state: ServerState, runtime: Partial<ServerRuntime> = {}): Promise<string> {
  const servers = createServerService({
    servers: repo,
    packages: new InMemoryPackageCatalog(),
    clock,
    instanceTypes: ['t3.medium'],
  });
  const { id } = (await servers.create(acme, { name: 'Convoy', game: 'ets2' })).server;
  const now = clock.now();
  const current = repo.servers.get(id) as ServerRecord;
  const up = state === 'running' || state === 'starting';
  repo.servers.set(id, {
    ...current,
    state,
    runtime: up
      ? ({
          startedAt: now.toISOString(),
          lastPlayerSeenAt: null,
          keepaliveUntil: null,
          idleStopAt: state === 'running' ? new Date(now.getTime() + 30 * MIN).toISOString() : null,
          ...runtime,
        } as ServerRuntime)
      : null,
  });
  return id;
}

const at = (minutes: number) => new Date(clock.now().getTime() + minutes * MIN).toISOString();

describe('keepalive', () => {
  it('pushes the idle stop of a running server out, as a new version with an event', async () => {
    const id = await serverIn('running');
    const view = await keepalive.keepalive(acme, id, 120);
    expect(view.runtime).toMatchObject({ keepaliveUntil: at(120), idleStopAt: at(120) });
    expect(view.version).toBe(2);
    expect(repo.eventLog.get(id)?.at(-1)).toMatchObject({
      type: 'server.keepalive',
      actor: acme.keyId,
      detail: { minutes: 120, until: at(120) },
    });
  });

  it('keeps the idle window when it ends later than the keepalive', async () => {
    const id = await serverIn('running');
    expect((await keepalive.keepalive(acme, id, 5)).runtime).toMatchObject({
      keepaliveUntil: at(5),
      idleStopAt: at(30),
    });
  });

  it('accepts a starting server, whose stop time the reaper shows once it runs', async () => {
    const id = await serverIn('starting');
    expect((await keepalive.keepalive(acme, id, 60)).runtime).toMatchObject({
      keepaliveUntil: at(60),
      idleStopAt: null,
    });
  });

  it.each(['stopped', 'stopping', 'error', 'deleting'] as const)(
    'answers 409 for a %s server',
    async (state) => {
      const id = await serverIn(state);
      await expect(keepalive.keepalive(acme, id, 60)).rejects.toMatchObject({ status: 409 });
    },
  );

  it("answers 404 for another tenant's server and for a key restricted to other servers", async () => {
    const id = await serverIn('running');
    await expect(keepalive.keepalive(admin('other'), id, 60)).rejects.toMatchObject({ status: 404 });
    await expect(
      keepalive.keepalive(admin('acme', { servers: ['srv_01jd0000000000000000000000'] }), id, 60),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('POST /v1/servers/{id}/keepalive', () => {
  const call = (body: string, principal = acme, id = 'srv_1') =>
    createHandler(keepalive)(
      apiEvent({
        method: 'POST',
        path: `/v1/servers/${id}/keepalive`,
        pathParameters: { id },
        headers: { 'content-type': 'application/json' },
        body,
        principal,
      }),
      lambdaContext,
    );

  it('answers the server with its new ETag', async () => {
    const id = await serverIn('running');
    const result = await call('{"minutes":60}', acme, id);
    expect(result.statusCode).toBe(200);
    expect(result.headers?.etag).toBe('"v2"');
    expect(JSON.parse(result.body ?? '').runtime.keepaliveUntil).toBe(at(60));
  });

  it.each(['{"minutes":0}', '{"minutes":721}', '{"minutes":1.5}', '{}', '{"minutes":60,"extra":1}'])(
    'refuses %s with 400',
    async (body) => {
      const id = await serverIn('running');
      expect((await call(body, acme, id)).statusCode).toBe(400);
    },
  );

  it('needs the servers:power scope', async () => {
    const id = await serverIn('running');
    const reader = admin('acme', { scopes: ['servers:read', 'servers:write'] });
    expect((await call('{"minutes":60}', reader, id)).statusCode).toBe(403);
  });
});
