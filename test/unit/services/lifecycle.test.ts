import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../shared/domain/errors.ts';
import { LAUNCH_GRACE_MS } from '../../../shared/domain/host-sync.ts';
import { NO_PACKAGE_DETAIL } from '../../../shared/domain/package.ts';
import {
  clientTokenOf,
  createLifecycleService,
  type LifecycleService,
} from '../../../shared/services/lifecycle.ts';
import type { ResolvedPackage } from '../../../shared/services/package-queries.ts';
import type { ServerService } from '../../../shared/services/servers.ts';
import { FakeHostProvider, InMemoryServerIndex } from '../../support/fake-hosts.ts';
import type { FixedClock, InMemoryServerRepository } from '../../support/fakes.ts';
import { lifecycleWorld } from '../../support/lifecycle-world.ts';
import { admin } from '../../support/principals.ts';

let repo: InMemoryServerRepository;
let hosts: FakeHostProvider;
let clock: FixedClock;
let lifecycle: LifecycleService;
let servers: ServerService;
const acme = admin('acme');
const TIMEOUT_MS = 600_000;
/** Whether the deployment has a package for the servers under test (the resolver's own rules are tested with it). */
let packageAvailable: boolean;
const packages = {
  async resolvePackageFor(): Promise<ResolvedPackage> {
    if (!packageAvailable) throw new ConflictError(NO_PACKAGE_DETAIL);
    return {} as ResolvedPackage;
  },
};

beforeEach(() => {
  packageAvailable = true;
  ({ repo, clock, hosts, lifecycle, servers } = lifecycleWorld({
    hosts: new FakeHostProvider(),
    packages,
    transitionTimeoutMs: TIMEOUT_MS,
  }));
});

const create = async () => (await servers.create(acme, { name: 'Convoy', game: 'ets2' })).server.id;
const record = (id: string) => repo.servers.get(id);
const types = (id: string) => (repo.eventLog.get(id) ?? []).map((e) => e.type);

async function running(id: string) {
  await lifecycle.start(acme, id);
  const instanceId = record(id)?.instanceId as string;
  hosts.settle(instanceId);
  await lifecycle.syncInstance(instanceId);
  return instanceId;
}

describe('starting a server', () => {
  it('moves a stopped server to starting, launches its host and records it with the actor', async () => {
    const id = await create();
    const reply = await lifecycle.start(acme, id);
    expect(reply.status).toBe(202);
    expect(reply.server).toMatchObject({
      state: 'starting',
      stateReason: 'user',
      runtime: {
        address: null,
        ready: false,
        players: 0,
        maxPlayers: 8,
        connectionPort: 27015,
        queryPort: 27016,
      },
    });
    expect(record(id)).toMatchObject({ launchAttempt: 1, instanceId: expect.stringMatching(/^i-/) });
    expect(hosts.calls).toEqual([`launch ${clientTokenOf(id, 1)}`]);
    expect(repo.eventLog.get(id)?.slice(1)).toMatchObject([
      { type: 'state.starting', actor: acme.keyId, detail: { from: 'stopped' } },
      { type: 'host.launched', actor: acme.keyId, detail: { instanceType: 't3.medium' } },
    ]);
  });

  it('boots the new host with the user data rendered for the server at launch', async () => {
    const sent: (string | undefined)[] = [];
    const launch = hosts.launch.bind(hosts);
    hosts.launch = (request) => {
      sent.push(request.userData);
      return launch(request);
    };
    const withBootstrap = createLifecycleService({
      servers: repo,
      index: new InMemoryServerIndex(repo),
      hosts,
      packages,
      userDataFor: (server) => `#!/bin/bash\n# ${server.game} ${server.branch} ${server.id}\n`,
      clock,
      instanceTypes: ['t3.medium'],
      transitionTimeoutMs: TIMEOUT_MS,
    });
    const id = await create();
    await withBootstrap.start(acme, id);
    expect(sent).toEqual([`#!/bin/bash\n# ets2 public ${id}\n`]);
  });

  it('refuses with 409 and how to upload a package when there is none, launching nothing', async () => {
    const id = await create();
    packageAvailable = false;
    await expect(lifecycle.start(acme, id)).rejects.toThrow(NO_PACKAGE_DETAIL);
    expect(record(id)?.state).toBe('stopped');
    expect(hosts.calls).toHaveLength(0);
  });

  it('makes one launch for fifty concurrent starts; the others answer unchanged', async () => {
    const id = await create();
    const replies = await Promise.all(Array.from({ length: 50 }, () => lifecycle.start(acme, id)));
    expect(replies.filter((r) => r.status === 202)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(49);
    expect(hosts.calls.filter((c) => c.startsWith('launch'))).toHaveLength(1);
    expect(hosts.hosts.size).toBe(1);
  });

  it('records the address once the host runs, and answers unchanged while up', async () => {
    const id = await create();
    await running(id);
    expect(record(id)).toMatchObject({
      state: 'running',
      runtime: { address: expect.stringMatching(/^198\.51/) },
    });
    expect((await lifecycle.start(acme, id)).status).toBe(200);
  });

  it('refuses a start while the server stops', async () => {
    const id = await create();
    await running(id);
    await lifecycle.stop(acme, id);
    await expect(lifecycle.start(acme, id)).rejects.toThrow(ConflictError);
  });

  it('starts the same instance again after a stop', async () => {
    const id = await create();
    const instanceId = await running(id);
    expect((await lifecycle.stop(acme, id)).status).toBe(202);
    expect(record(id)?.runtime).toBeNull();
    hosts.settle(instanceId);
    await lifecycle.syncInstance(instanceId);
    expect(record(id)?.state).toBe('stopped');
    await lifecycle.start(acme, id);
    expect(record(id)).toMatchObject({ instanceId, launchAttempt: 1 });
    expect(hosts.calls.filter((c) => c.startsWith('launch'))).toHaveLength(1);
    expect(types(id)).toContain('host.started');
  });

  it('launches the fallback type on a capacity shortage, and says so in the events', async () => {
    hosts.noCapacity.add('t3.medium');
    const id = await create();
    await lifecycle.start(acme, id);
    expect(repo.eventLog.get(id)?.find((e) => e.type === 'host.capacityFallback')?.detail).toEqual({
      instanceType: 't3.medium',
      code: 'InsufficientInstanceCapacity',
      launched: 't3.large',
    });
    expect(record(id)?.state).toBe('starting');
  });

  it('ends in error with the code when no type has capacity', async () => {
    hosts.noCapacity.add('t3.medium').add('t3.large');
    const id = await create();
    const reply = await lifecycle.start(acme, id);
    expect(reply.server).toMatchObject({
      state: 'error',
      stateReason: 'InsufficientInstanceCapacity',
      runtime: null,
    });
    // A new start from error is a new launch attempt with a new token.
    hosts.noCapacity.clear();
    await lifecycle.start(acme, id);
    expect(record(id)?.launchAttempt).toBe(2);
  });
});

describe('stopping a server', () => {
  it('answers unchanged when already stopped', async () => {
    const id = await create();
    await expect(lifecycle.stop(acme, id)).resolves.toMatchObject({
      status: 200,
      server: { state: 'stopped' },
    });
  });

  it('waits for a launch that may still run, and finishes the stop once none came', async () => {
    const id = await create();
    hosts.failLaunches = 1;
    await lifecycle.start(acme, id);
    await lifecycle.stop(acme, id);
    expect(record(id)?.state).toBe('stopping');
    await lifecycle.reconcile();
    expect(record(id)?.state).toBe('stopping');
    clock.advance(LAUNCH_GRACE_MS + 1);
    await lifecycle.reconcile();
    expect(record(id)).toMatchObject({ state: 'stopped', stateReason: 'no-host', runtime: null });
    expect(hosts.hosts.size).toBe(0);
  });

  it('stops at once a server in error that has no host', async () => {
    hosts.noCapacity.add('t3.medium').add('t3.large');
    const id = await create();
    await lifecycle.start(acme, id);
    expect(record(id)?.state).toBe('error');
    await expect(lifecycle.stop(acme, id)).resolves.toMatchObject({
      status: 202,
      server: { state: 'stopped' },
    });
  });
});

describe('deleting a server with a host', () => {
  it('terminates the host, and the terminated host removes the server', async () => {
    const id = await create();
    const instanceId = await running(id);
    const reply = await servers.remove(acme, id);
    expect(reply).toMatchObject({ gone: false, server: { state: 'deleting' } });
    expect(hosts.calls).toContain(`terminate ${instanceId}`);
    hosts.settle(instanceId);
    await lifecycle.syncInstance(instanceId);
    expect(record(id)).toBeUndefined();
  });
});

describe('reconciling', () => {
  it('re-drives a launch lost between the table write and EC2, with the same token, once', async () => {
    const id = await create();
    hosts.failLaunches = 1;
    const reply = await lifecycle.start(acme, id);
    expect(reply).toMatchObject({ status: 202, server: { state: 'starting' } });
    expect(record(id)?.instanceId).toBeNull();
    const report = await lifecycle.reconcile();
    expect(report.actions).toEqual([{ serverId: id, action: 'redrive:launch' }]);
    expect(hosts.calls.filter((c) => c.startsWith('launch'))).toEqual([
      `launch ${clientTokenOf(id, 1)}`,
      `launch ${clientTokenOf(id, 1)}`,
    ]);
    expect(record(id)?.instanceId).toMatch(/^i-/);
    await lifecycle.reconcile();
    expect(hosts.hosts.size).toBe(1);
  });

  it('moves a server stuck in starting past the timeout to error, with a reason', async () => {
    const id = await create();
    await lifecycle.start(acme, id);
    clock.advance(TIMEOUT_MS + 1);
    const report = await lifecycle.reconcile();
    expect(report.actions).toEqual([{ serverId: id, action: 'fail:start-timeout' }]);
    expect(record(id)).toMatchObject({ state: 'error', stateReason: 'start-timeout', runtime: null });
    expect(repo.eventLog.get(id)?.at(-1)).toMatchObject({ type: 'state.error', actor: 'reconciler' });
  });

  it('adopts a host powered off or on outside the API', async () => {
    const id = await create();
    const instanceId = await running(id);
    const host = hosts.hosts.get(instanceId);
    if (host) host.power = 'stopped';
    await lifecycle.reconcile();
    expect(record(id)).toMatchObject({ state: 'stopped', stateReason: 'reconciled' });
    if (host) host.power = 'running';
    await lifecycle.reconcile();
    expect(record(id)).toMatchObject({ state: 'running', stateReason: 'reconciled' });
  });

  it('reports a tagged host no server claims, and leaves it running', async () => {
    await hosts.launch({
      serverId: 'srv_gone',
      tenantId: 'acme',
      clientToken: 't',
      instanceTypes: ['t3.medium'],
    });
    const report = await lifecycle.reconcile();
    expect(report.orphans).toMatchObject([{ serverId: 'srv_gone', power: 'pending' }]);
    expect(hosts.calls.filter((c) => c.startsWith('terminate'))).toEqual([]);
  });
});
