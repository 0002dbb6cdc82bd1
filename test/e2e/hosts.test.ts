/**
 * Game hosts end to end: the API, the EC2 stand-in, its state-change events through the sync
 * handler, and the reconciler (run on demand through `/local/jobs/ec2-reconcile`).
 */
import { describe, expect, inject, it } from 'vitest';
import { readEndpoints } from '../../local/endpoints.ts';
import { createDocumentClient } from '../../shared/adapters/aws-clients.ts';
import { createServerRepository } from '../../shared/adapters/dynamodb/server-repository.ts';
import { HOST_TAGS } from '../../shared/adapters/ec2/tags.ts';
import { systemClock } from '../../shared/services/ports.ts';
import { apiUrl, call, createServer, until } from './support.ts';

interface StandInInstance {
  instanceId: string;
  state: string;
  instanceType: string;
  tags: Record<string, string>;
}
interface StandInState {
  calls: Record<string, number>;
  launched: number;
  instances: StandInInstance[];
}

const endpoints = await readEndpoints(inject('dataDir'));
if (!endpoints?.ec2) throw new Error('the local stack runs no EC2 stand-in');
const ec2Url = endpoints.ec2;

const standIn = async (): Promise<StandInState> =>
  (await (await fetch(new URL('/local/state', ec2Url))).json()) as StandInState;
const hostsOf = async (serverId: string) =>
  (await standIn()).instances.filter((i) => i.tags[HOST_TAGS.server] === serverId);
const callsOf = async (action: string) => (await standIn()).calls[action] ?? 0;
const fault = (body: Record<string, unknown>) =>
  fetch(new URL('/local/faults', ec2Url), { method: 'POST', body: JSON.stringify(body) });
const reconcile = async () => {
  const response = await fetch(new URL('/local/jobs/ec2-reconcile', apiUrl), { method: 'POST' });
  expect(response.status).toBe(200);
  return (await response.json()) as { orphans: { instanceId: string }[]; actions: unknown[] };
};

const get = (id: string) => call('GET', `/v1/servers/${id}`);
const stateIs = (id: string, state: string) =>
  until(
    () => get(id),
    (r) => r.body?.state === state,
  );
const eventsOf = async (id: string) =>
  (await call('GET', `/v1/servers/${id}/events?limit=100`)).body.items as {
    type: string;
    detail: Record<string, unknown>;
  }[];

describe('game hosts over HTTP', () => {
  it('starts, stops, starts the same host again, and deletes it', async () => {
    const { id } = await createServer();
    const started = await call('POST', `/v1/servers/${id}/start`);
    expect(started.status).toBe(202);
    // Simulated hosts boot in 100 ms: the answer may already find the host running.
    expect(['starting', 'running']).toContain(started.body.state);
    expect(started.body.runtime).toMatchObject({ ready: false, players: 0, maxPlayers: 8 });

    const up = await stateIs(id, 'running');
    expect(up.body.runtime.address).toMatch(/^198\.51\.100\.\d+$/);
    const [host] = await hostsOf(id);
    expect(host).toMatchObject({ state: 'running', tags: { [HOST_TAGS.deployment]: 'local' } });

    expect((await call('POST', `/v1/servers/${id}/stop`)).status).toBe(202);
    expect((await stateIs(id, 'stopped')).body.runtime).toBeNull();
    expect((await call('POST', `/v1/servers/${id}/stop`)).status).toBe(200);

    const startsBefore = await callsOf('StartInstances');
    expect((await call('POST', `/v1/servers/${id}/start`)).status).toBe(202);
    await stateIs(id, 'running');
    expect(await hostsOf(id)).toHaveLength(1);
    expect((await callsOf('StartInstances')) - startsBefore).toBe(1);
    const events = await eventsOf(id);
    expect(events.find((e) => e.type === 'host.started')?.detail.instanceId).toBe(host?.instanceId);
    expect(events.filter((e) => e.type === 'host.launched')).toHaveLength(1);

    const deleted = await call('DELETE', `/v1/servers/${id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.body.state).toBe('deleting');
    await until(
      () => get(id),
      (r) => r.status === 404,
    );
    expect((await hostsOf(id))[0]?.state).toBe('terminated');
  });

  it('launches exactly one host for fifty concurrent starts, all answered 2xx', async () => {
    const { id } = await createServer();
    const before = await callsOf('RunInstances');
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => call('POST', `/v1/servers/${id}/start`)),
    );
    expect(replies.map((r) => r.status).filter((s) => s !== 200 && s !== 202)).toEqual([]);
    expect(replies.filter((r) => r.status === 202)).toHaveLength(1);
    expect((await callsOf('RunInstances')) - before).toBe(1);
    expect(await hostsOf(id)).toHaveLength(1);
    await stateIs(id, 'running');
  });

  it('agrees with the stand-in after twenty rounds of racing start and stop, once reconciled', async () => {
    const { id } = await createServer();
    for (let round = 0; round < 20; round++) {
      const replies = await Promise.all([
        call('POST', `/v1/servers/${id}/start`),
        call('POST', `/v1/servers/${id}/stop`),
      ]);
      for (const reply of replies) expect([200, 202, 409]).toContain(reply.status);
    }
    const agreed = await until(
      async () => {
        await reconcile();
        const server = (await get(id)).body;
        const hosts = await hostsOf(id);
        return { state: server.state as string, hosts: hosts.map((h) => h.state) };
      },
      (v) => v.hosts.length === 1 && ['running', 'stopped'].includes(v.state) && v.hosts[0] === v.state,
      20_000,
    );
    expect(agreed.hosts).toHaveLength(1);
  });

  it('launches the next instance type when the first has no capacity', async () => {
    await fault({ action: 'RunInstances', code: 'InsufficientInstanceCapacity', instanceType: 't3.medium' });
    const { id } = await createServer();
    expect((await call('POST', `/v1/servers/${id}/start`)).status).toBe(202);
    expect((await hostsOf(id)).map((h) => h.instanceType)).toEqual(['t3a.medium']);
    expect((await eventsOf(id)).find((e) => e.type === 'host.capacityFallback')?.detail).toMatchObject({
      instanceType: 't3.medium',
      code: 'InsufficientInstanceCapacity',
      launched: 't3a.medium',
    });
  });

  it('retries a throttled launch', async () => {
    await fault({ action: 'RunInstances', code: 'RequestLimitExceeded', count: 2 });
    const { id } = await createServer();
    const before = await callsOf('RunInstances');
    expect((await call('POST', `/v1/servers/${id}/start`)).status).toBe(202);
    expect((await callsOf('RunInstances')) - before).toBe(3);
    expect(await hostsOf(id)).toHaveLength(1);
  });

  it('repairs a crash between the table write and the launch', async () => {
    const { id } = await createServer();
    // What a start leaves behind when its Lambda dies before RunInstances: `starting`, no host.
    const client = createDocumentClient({ region: 'us-east-1', endpoints: { dynamodb: endpoints.dynamodb } });
    const repo = createServerRepository({ client, tableName: endpoints.table, clock: systemClock });
    const server = await repo.get('local', id);
    if (!server) throw new Error('no server');
    await repo.update(
      { ...server, state: 'starting', launchAttempt: 1, version: server.version + 1 },
      server.version,
      {
        at: new Date().toISOString(),
        type: 'state.starting',
        actor: 'e2e-crash',
        detail: {},
      },
    );
    client.destroy();
    expect(await hostsOf(id)).toHaveLength(0);

    const report = await reconcile();
    expect(report.actions).toContainEqual({ serverId: id, action: 'redrive:launch' });
    expect(await hostsOf(id)).toHaveLength(1);
    await stateIs(id, 'running');
  });

  it('reports a tagged host without a server and leaves it running', async () => {
    const body = new URLSearchParams({
      Action: 'RunInstances',
      Version: '2016-11-15',
      InstanceType: 't3.medium',
      MinCount: '1',
      MaxCount: '1',
      'TagSpecification.1.ResourceType': 'instance',
      'TagSpecification.1.Tag.1.Key': HOST_TAGS.deployment,
      'TagSpecification.1.Tag.1.Value': 'local',
    });
    const response = await fetch(ec2Url, { method: 'POST', body });
    const instanceId = /<instanceId>(i-[0-9a-f]+)<\/instanceId>/.exec(await response.text())?.[1];
    const report = await reconcile();
    expect(report.orphans.map((o) => o.instanceId)).toContain(instanceId);
    const host = (await standIn()).instances.find((i) => i.instanceId === instanceId);
    expect(['pending', 'running']).toContain(host?.state);
  });
});
