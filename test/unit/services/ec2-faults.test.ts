/**
 * EC2 API errors at every step of start, stop and delete: an EC2 call that throws (what the SDK
 * does once its own retries of a throttle or a 5xx are spent, or on an error such as
 * UnauthorizedOperation) must leave the intent recorded, the user answered, and the reconciler
 * able to finish the job once EC2 answers again, or to end in `error` with a reason if it never
 * does. Capacity shortages and a launch lost to a crash are in lifecycle.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { LifecycleService } from '../../../shared/services/lifecycle.ts';
import type { PowerResult, TaggedHost } from '../../../shared/services/ports.ts';
import type { ServerService } from '../../../shared/services/servers.ts';
import { FakeHostProvider } from '../../support/fake-hosts.ts';
import type { FixedClock, InMemoryServerRepository } from '../../support/fakes.ts';
import { lifecycleWorld } from '../../support/lifecycle-world.ts';
import { admin } from '../../support/principals.ts';

type Call = 'start' | 'stop' | 'terminate' | 'describe';

/** EC2 as the SDK shows it after its retries: the named call throws until `heal()`. */
class FailingHosts extends FakeHostProvider {
  failing = new Set<Call>();
  heal(): void {
    this.failing.clear();
    this.failLaunches = 0;
  }
  private check(call: Call): void {
    if (this.failing.has(call)) {
      throw Object.assign(new Error(`${call} failed`), { name: 'InternalError', $fault: 'server' });
    }
  }
  override async start(id: string): Promise<PowerResult> {
    this.check('start');
    return super.start(id);
  }
  override async stop(id: string): Promise<PowerResult> {
    this.check('stop');
    return super.stop(id);
  }
  override async terminate(id: string): Promise<PowerResult> {
    this.check('terminate');
    return super.terminate(id);
  }
  override async describe(id: string): Promise<TaggedHost | null> {
    this.check('describe');
    return super.describe(id);
  }
}

const TIMEOUT_MS = 600_000;
const acme = admin('acme');
let repo: InMemoryServerRepository;
let hosts: FailingHosts;
let clock: FixedClock;
let lifecycle: LifecycleService;
let servers: ServerService;
let logged: string[];

beforeEach(() => {
  logged = [];
  ({ repo, clock, hosts, lifecycle, servers } = lifecycleWorld({
    hosts: new FailingHosts(),
    transitionTimeoutMs: TIMEOUT_MS,
    onError: (message) => logged.push(message),
  }));
});

const create = async () => (await servers.create(acme, { name: 'Convoy', game: 'ets2' })).server.id;
const record = (id: string) => repo.servers.get(id);

/** EC2 moves every host on, and the reconciler catches up. */
async function settleAll(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    for (const id of hosts.hosts.keys()) hosts.settle(id);
    await lifecycle.reconcile();
  }
}

async function runningServer(): Promise<string> {
  const id = await create();
  await lifecycle.start(acme, id);
  await settleAll();
  expect(record(id)?.state).toBe('running');
  return id;
}

async function stoppedServerWithHost(): Promise<string> {
  const id = await runningServer();
  await lifecycle.stop(acme, id);
  await settleAll();
  expect(record(id)).toMatchObject({ state: 'stopped', instanceId: expect.stringMatching(/^i-/) });
  return id;
}

describe('EC2 failing at a step, then answering again', () => {
  it.each([
    ['RunInstances on a first start', 'launch', create, 'start', 'starting', 'running'],
    ['StartInstances on a later start', 'start', stoppedServerWithHost, 'start', 'starting', 'running'],
    ['StopInstances on a stop', 'stop', runningServer, 'stop', 'stopping', 'stopped'],
    ['DescribeInstances after a launch', 'describe', create, 'start', 'starting', 'running'],
  ] as const)(
    '%s: answers 202 with the intent, logs it, and the reconciler finishes it',
    async (_, call, given, command, during, after) => {
      const id = await given();
      if (call === 'launch') hosts.failLaunches = 1;
      else hosts.failing.add(call);
      const reply = await lifecycle[command](acme, id);
      expect(reply).toMatchObject({ status: 202, server: { state: during } });
      expect(logged).toEqual(['host effect failed; left for the reconciler']);
      hosts.heal();
      await settleAll();
      expect(record(id)?.state).toBe(after);
      expect(hosts.hosts.size).toBe(1);
    },
  );

  it('TerminateInstances on a delete: answers 202 deleting, and the reconciler removes the server', async () => {
    const id = await runningServer();
    hosts.failing.add('terminate');
    const reply = await servers.remove(acme, id);
    expect(reply).toMatchObject({ gone: false, server: { state: 'deleting' } });
    expect(logged).toEqual(['host effect failed; left for the reconciler']);
    hosts.heal();
    await settleAll();
    expect(record(id)).toBeUndefined();
    expect([...hosts.hosts.values()].map((h) => h.power)).toEqual(['terminated']);
  });
});

describe('EC2 failing for good', () => {
  it.each([
    ['RunInstances', 'launch', create, 'start', 'start-timeout'],
    ['StartInstances', 'start', stoppedServerWithHost, 'start', 'start-timeout'],
    ['StopInstances', 'stop', runningServer, 'stop', 'stop-timeout'],
  ] as const)(
    '%s: ends in error with a reason past the timeout, and a start from there works once EC2 does',
    async (_, call, given, command, reason) => {
      const id = await given();
      if (call === 'launch') hosts.failLaunches = 1_000;
      else hosts.failing.add(call);
      await lifecycle[command](acme, id);
      await lifecycle.reconcile();
      clock.advance(TIMEOUT_MS + 1);
      await lifecycle.reconcile();
      expect(record(id)).toMatchObject({ state: 'error', stateReason: reason });
      const failures = (repo.eventLog.get(id) ?? []).filter((e) => e.type === 'state.error');
      expect(failures).toHaveLength(1);
      hosts.heal();
      await expect(lifecycle.start(acme, id)).resolves.toMatchObject({ status: 202 });
      await settleAll();
      expect(record(id)?.state).toBe('running');
      expect(new Set([...hosts.hosts.values()].map((h) => h.serverId))).toEqual(new Set([id]));
    },
  );
});
