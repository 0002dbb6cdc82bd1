import { beforeEach, describe, expect, it } from 'vitest';
import { ConcurrentModificationError } from '../../../shared/domain/errors.ts';
import type { IdleChanges } from '../../../shared/domain/idle.ts';
import { IDLE_ACTOR } from '../../../shared/domain/idle.ts';
import type { IdlePolicy, ServerRecord, ServerRuntime } from '../../../shared/domain/server.ts';
import { createLifecycleService, type LifecycleService } from '../../../shared/services/lifecycle.ts';
import type { ResolvedPackage } from '../../../shared/services/package-queries.ts';
import type { GameQuery, IdleRecords } from '../../../shared/services/ports.ts';
import { createReaper, type Reaper, type ReaperDeps } from '../../../shared/services/reaper.ts';
import type { ServerService } from '../../../shared/services/servers.ts';
import { FakeHostProvider, InMemoryServerIndex } from '../../support/fake-hosts.ts';
import type { FixedClock, InMemoryServerRepository } from '../../support/fakes.ts';
import { lifecycleWorld } from '../../support/lifecycle-world.ts';
import { admin } from '../../support/principals.ts';

const MIN = 60_000;
/** Every server under test has a package to start with (the resolver's rules are tested elsewhere). */
const packages = { resolvePackageFor: async () => ({}) as ResolvedPackage };

/** Answers A2S by address: a player count, or no answer; `hook` runs while a query is "on the wire". */
class FakeGameQuery implements GameQuery {
  readonly answers = new Map<string, number | null>();
  readonly asked: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  hook: ((host: string) => Promise<void>) | null = null;
  async players({ host }: { host: string; port: number }) {
    this.asked.push(host);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.hook) await this.hook(host);
      const answer = this.answers.get(host);
      if (answer === undefined) return null;
      if (answer === -1) throw new Error('socket exploded');
      return answer;
    } finally {
      this.inFlight--;
    }
  }
}

/** The IdleRecords contract on the in-memory repository: these fields only, if still running at that version. */
class InMemoryIdleRecords implements IdleRecords {
  writes = 0;
  constructor(private readonly repo: InMemoryServerRepository) {}
  async record(server: ServerRecord, expectedVersion: number, changes: IdleChanges) {
    const current = this.repo.servers.get(server.id);
    if (current?.version !== expectedVersion || current.state !== 'running' || !current.runtime) {
      throw new ConcurrentModificationError('moved');
    }
    this.writes++;
    this.repo.servers.set(server.id, { ...current, runtime: { ...current.runtime, ...changes } });
  }
}

let repo: InMemoryServerRepository;
let hosts: FakeHostProvider;
let clock: FixedClock;
let lifecycle: LifecycleService;
let servers: ServerService;
let query: FakeGameQuery;
let records: InMemoryIdleRecords;
let reaper: Reaper;
const acme = admin('acme');

function build(overrides: Partial<ReaperDeps> = {}): Reaper {
  return createReaper({
    index: new InMemoryServerIndex(repo),
    records,
    query,
    lifecycle,
    clock,
    concurrency: 4,
    ...overrides,
  });
}

beforeEach(() => {
  ({ repo, clock, hosts, lifecycle, servers } = lifecycleWorld({
    hosts: new FakeHostProvider(),
    transitionTimeoutMs: 15 * MIN,
  }));
  query = new FakeGameQuery();
  records = new InMemoryIdleRecords(repo);
  reaper = build();
});

const record = (id: string) => repo.servers.get(id) as ServerRecord;
const runtimeOf = (id: string) => record(id).runtime as ServerRuntime;
const events = (id: string) => repo.eventLog.get(id) ?? [];
const stopCalls = () => hosts.calls.filter((c) => c.startsWith('stop'));

/** A server started now and running, with this idle policy. */
async function running(idle: Partial<IdlePolicy> = {}): Promise<string> {
  const { id } = (await servers.create(acme, { name: 'Convoy', game: 'ets2', idle })).server;
  await lifecycle.start(acme, id);
  const instanceId = record(id).instanceId as string;
  hosts.settle(instanceId);
  await lifecycle.syncInstance(instanceId);
  expect(record(id).state).toBe('running');
  return id;
}

/** What the host agent's heartbeat route writes (no new version). */
function heartbeat(id: string, players: number) {
  const now = clock.now().toISOString();
  const current = record(id);
  repo.servers.set(id, {
    ...current,
    runtime: {
      ...(current.runtime as ServerRuntime),
      players,
      lastHeartbeatAt: now,
      lastPlayerSeenAt: players > 0 ? now : (current.runtime?.lastPlayerSeenAt ?? null),
    },
  });
}
const answer = (id: string, players: number | null) =>
  query.answers.set(runtimeOf(id).address as string, players);

describe('the idle reaper', () => {
  it('stops an empty server after its window, through the lifecycle, as idle-reaper with reason idle', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(id, 0);
    heartbeat(id, 0);
    const early = await reaper.tick();
    expect(early).toMatchObject({ active: 1, statuses: { idle: 1 }, stopped: [], recorded: 1 });
    expect(runtimeOf(id).idleStopAt).toBe(new Date(clock.now().getTime() + MIN).toISOString());

    clock.advance(MIN);
    heartbeat(id, 0);
    const report = await reaper.tick();
    expect(report.stopped).toEqual([{ serverId: id, reason: 'idle' }]);
    expect(record(id)).toMatchObject({ state: 'stopping', stateReason: 'idle' });
    expect(events(id).at(-1)).toMatchObject({
      type: 'state.stopping',
      actor: IDLE_ACTOR,
      detail: { reason: 'idle' },
    });
    expect(stopCalls()).toEqual([`stop ${record(id).instanceId}`]);
  });

  it('keeps a server with players up through many windows and records when they were seen', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(id, 2);
    for (let minute = 0; minute < 5; minute++) {
      clock.advance(MIN);
      const report = await reaper.tick();
      expect(report.statuses.busy).toBe(1);
      expect(runtimeOf(id)).toMatchObject({ lastPlayerSeenAt: clock.now().toISOString(), idleStopAt: null });
    }
    expect(record(id).state).toBe('running');

    answer(id, 0);
    clock.advance(30_000);
    await reaper.tick();
    expect(record(id).state).toBe('running');
    clock.advance(30_000);
    expect((await reaper.tick()).stopped).toEqual([{ serverId: id, reason: 'idle' }]);
  });

  it('does not query A2S when a fresh heartbeat already counts players, nor write', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    clock.advance(5 * MIN);
    heartbeat(id, 3);
    const before = record(id);
    const report = await reaper.tick();
    expect(report).toMatchObject({ queried: 0, statuses: { busy: 1 }, recorded: 0 });
    expect(record(id)).toEqual(before);
  });

  it('stops a host that gives no signal for its window as unreachable', async () => {
    const id = await running({ afterMinutes: 2, startGraceMinutes: 0 });
    clock.advance(MIN);
    expect((await reaper.tick()).statuses.unreachable).toBe(1);
    expect(record(id).state).toBe('running');
    clock.advance(MIN);
    expect((await reaper.tick()).stopped).toEqual([{ serverId: id, reason: 'unreachable' }]);
    expect(events(id).at(-1)).toMatchObject({ actor: IDLE_ACTOR, detail: { reason: 'unreachable' } });
  });

  it('never stops a server with auto-stop off, and does not even query it', async () => {
    const id = await running({ autoStop: false, afterMinutes: 1, startGraceMinutes: 0 });
    clock.advance(600 * MIN);
    const report = await reaper.tick();
    expect(report).toMatchObject({ statuses: { skip: 1 }, queried: 0, stopped: [] });
    expect(record(id).state).toBe('running');
  });

  it('leaves starting, stopping and deleting servers alone', async () => {
    const starting = (await servers.create(acme, { name: 'A', game: 'ets2', idle: { startGraceMinutes: 0 } }))
      .server.id;
    await lifecycle.start(acme, starting);
    const stopping = await running({ startGraceMinutes: 0 });
    await lifecycle.stop(acme, stopping);
    const deleting = await running({ startGraceMinutes: 0 });
    await servers.remove(acme, deleting);
    clock.advance(600 * MIN);
    const versions = [starting, stopping, deleting].map((id) => record(id).version);
    const report = await reaper.tick();
    expect(report).toMatchObject({ active: 3, statuses: { skip: 3 }, queried: 0, recorded: 0, stopped: [] });
    expect([starting, stopping, deleting].map((id) => record(id).version)).toEqual(versions);
  });

  it('walks every page with at most `concurrency` servers in flight', async () => {
    const ids = [];
    for (let i = 0; i < 11; i++) ids.push(await running({ afterMinutes: 1, startGraceMinutes: 0 }));
    for (const id of ids) answer(id, 1);
    const report = await reaper.tick();
    expect(report.active).toBe(11);
    expect(report.statuses.busy).toBe(11);
    expect(query.asked).toHaveLength(11);
    expect(query.maxInFlight).toBeLessThanOrEqual(4);
    expect(query.maxInFlight).toBeGreaterThan(1);
  });

  it('goes on past a server whose check fails, and reports the failure', async () => {
    const broken = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    const fine = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(broken, -1);
    answer(fine, 0);
    clock.advance(MIN);
    const errors: unknown[] = [];
    const report = await build({ onError: (_m, _e, detail) => errors.push(detail) }).tick();
    expect(report.failed).toBe(1);
    expect(errors).toEqual([{ serverId: broken }]);
    expect(report.stopped).toEqual([{ serverId: fine, reason: 'idle' }]);
  });

  it('begins no server after the deadline and says the tick is unfinished', async () => {
    await running();
    await running();
    const report = await reaper.tick({ deadline: clock.now().getTime() });
    expect(report).toMatchObject({ active: 0, unfinished: true });
    expect((await reaper.tick({ deadline: clock.now().getTime() + 1 })).unfinished).toBe(false);
  });
});

describe('the idle reaper under concurrency', () => {
  it('stops a server once when two ticks run at the same time', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(id, 0);
    clock.advance(MIN);
    const [a, b] = await Promise.all([reaper.tick(), build().tick()]);
    expect([...a.stopped, ...b.stopped]).toEqual([{ serverId: id, reason: 'idle' }]);
    expect(stopCalls()).toHaveLength(1);
    expect(events(id).filter((e) => e.type === 'state.stopping')).toHaveLength(1);
  });

  it('does not stop again after a run that moved the server to stopping and died before StopInstances', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(id, 0);
    clock.advance(MIN);
    const crashing = { stop: async () => Promise.reject(new Error('Lambda timed out')) };
    const halfway = createLifecycleService({
      servers: repo,
      index: new InMemoryServerIndex(repo),
      hosts: Object.assign(Object.create(hosts) as FakeHostProvider, crashing),
      packages,
      clock,
      instanceTypes: ['t3.medium'],
      transitionTimeoutMs: 15 * MIN,
    });
    expect((await build({ lifecycle: halfway }).tick()).stopped).toHaveLength(1);
    expect(record(id).state).toBe('stopping');
    expect(stopCalls()).toEqual([]);

    const next = await reaper.tick();
    expect(next).toMatchObject({ statuses: { skip: 1 }, stopped: [] });
    expect(stopCalls()).toEqual([]);
    // The reconciler (or the state-change sync) sees the intent through.
    await lifecycle.reconcile();
    expect(stopCalls()).toHaveLength(1);
  });

  it('does not stop a server that a user stopped and started again while the tick looked at it', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(id, 0);
    clock.advance(5 * MIN);
    query.hook = async () => {
      query.hook = null;
      await lifecycle.stop(acme, id);
      const instanceId = record(id).instanceId as string;
      hosts.settle(instanceId);
      await lifecycle.syncInstance(instanceId);
      await lifecycle.start(acme, id);
      hosts.settle(instanceId);
      await lifecycle.syncInstance(instanceId);
    };
    const report = await reaper.tick();
    expect(report.stopped).toEqual([]);
    expect(record(id)).toMatchObject({ state: 'running', stateReason: 'host-running' });
    expect(events(id).filter((e) => e.actor === IDLE_ACTOR)).toEqual([]);
  });

  it('does not stop a server whose heartbeat counts a player who joined while the tick looked at it', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(id, 0);
    clock.advance(5 * MIN);
    query.hook = async () => heartbeat(id, 1);
    const report = await reaper.tick();
    expect(report).toMatchObject({ stopped: [], conflicts: 1 });
    expect(record(id).state).toBe('running');
  });

  it('does not stop a server whose heartbeat lands between the stop’s own read and its write', async () => {
    const id = await running({ afterMinutes: 1, startGraceMinutes: 0 });
    answer(id, 0);
    clock.advance(5 * MIN);
    // The narrowest window: the stop has re-read the server and decided; a player joins now.
    const update = repo.update.bind(repo);
    let raced = false;
    repo.update = async (server, version, event, options) => {
      if (!raced && event.actor === IDLE_ACTOR) {
        raced = true;
        heartbeat(id, 1);
      }
      return update(server, version, event, options);
    };
    const report = await reaper.tick();
    expect(raced).toBe(true);
    expect(report.stopped).toEqual([]);
    expect(record(id).state).toBe('running');
    expect(stopCalls()).toEqual([]);
  });

  it('leaves an observation that lost a race to the next tick', async () => {
    const id = await running({ afterMinutes: 30, startGraceMinutes: 0 });
    answer(id, 2);
    query.hook = async () => {
      await servers.patch(acme, id, { name: 'Renamed' });
    };
    const report = await reaper.tick();
    expect(report).toMatchObject({ recorded: 0, conflicts: 1, failed: 0 });
    query.hook = null;
    expect((await reaper.tick()).recorded).toBe(1);
    expect(runtimeOf(id).lastPlayerSeenAt).toBe(clock.now().toISOString());
  });
});
