/**
 * Power use cases: start, stop, and keeping the table and EC2 in step (the state-change sync
 * and the reconciler). Every transition is read → `transition()` → conditional write with its
 * event → the EC2 call → the outcome recorded by another conditional write. A write that loses
 * a race re-reads and decides again, so fifty concurrent starts make one writer and one launch;
 * the rest find `starting` and answer "unchanged".
 */
import type { Principal } from '../domain/api-key.ts';
import { serverNotFound } from '../domain/api-key.ts';
import { ConcurrentModificationError, ConflictError, PaymentRequiredError } from '../domain/errors.ts';
import type { HostStatus, SyncDecision } from '../domain/host-sync.ts';
import { decideSync } from '../domain/host-sync.ts';
import type { BudgetStatus } from '../domain/run.ts';
import type { ServerRecord, ServerRuntime, ServerState, ServerView } from '../domain/server.ts';
import { toServerView } from '../domain/server.ts';
import type { HostEffect, ServerCommand } from '../domain/server-state.ts';
import { transition } from '../domain/server-state.ts';
import type { PackageResolver } from './package-resolver.ts';
import type { Clock, HostProvider, ServerEvent, ServerIndex, ServerRepository, TaggedHost } from './ports.ts';
import { loadServer } from './server-access.ts';

export interface LifecycleServiceDeps {
  readonly servers: ServerRepository;
  readonly index: ServerIndex;
  readonly hosts: HostProvider;
  /** A start needs a ready package (the server's own or the deployment's default): 409 without. */
  readonly packages: { readonly resolvePackageFor: PackageResolver };
  /**
   * The tenant's monthly budget and spend (one read of its usage summary): a start past it is refused (402).
   * @default - no budget check
   */
  readonly budgetOf?: (tenantId: string) => Promise<BudgetStatus | null>;
  /**
   * The user data a new host of `server` boots with (its game and branch at launch time).
   * @default - none: hosts are simulated (local mode, tests)
   */
  readonly userDataFor?: (server: ServerRecord) => string;
  readonly clock: Clock;
  /** The deployment's allow-list: after the server's own type, the others are its capacity fallbacks. */
  readonly instanceTypes: readonly [string, ...string[]];
  /** How long `starting`/`stopping` may last before the sync calls it an error. */
  readonly transitionTimeoutMs: number;
  /** Where effect failures go (the logger in production). */
  readonly onError?: (message: string, error: unknown, detail: Record<string, unknown>) => void;
}

export interface PowerResponse {
  /** 202: the transition was begun; 200: the server already was where the command leads. */
  readonly status: 200 | 202;
  readonly server: ServerView;
}

export interface ReconcileReport {
  readonly checkedHosts: number;
  readonly checkedServers: number;
  /** What was done, per server (decisions other than "nothing"). */
  readonly actions: readonly { readonly serverId: string; readonly action: string }[];
  /** Instances tagged as this deployment's that no server claims: reported, never terminated. */
  readonly orphans: readonly TaggedHost[];
}

/** Racing writers are few (a user, the sync, the reconciler); this many re-reads is plenty. */
const WRITE_RETRIES = 60;

/** The planned write for the server read: a new record and its event, a removal, or nothing. */
type Plan =
  | { readonly kind: 'write'; readonly next: ServerRecord; readonly event: ServerEvent }
  | { readonly kind: 'remove' }
  | { readonly kind: 'none' };

interface Written {
  /** The server as read before the write that succeeded. */
  readonly before: ServerRecord;
  /** The server as it is now: after the write, or as read when nothing was written; `null` once removed. */
  readonly after: ServerRecord | null;
  readonly wrote: boolean;
}

export const clientTokenOf = (serverId: string, attempt: number): string => `${serverId}-launch-${attempt}`;

export function createLifecycleService(deps: LifecycleServiceDeps) {
  const { servers, hosts, clock } = deps;
  const onError = deps.onError ?? (() => {});

  const event = (type: string, actor: string, detail: Record<string, unknown> = {}): ServerEvent => ({
    at: clock.now().toISOString(),
    type,
    actor,
    detail,
  });

  const load = (principal: Principal, id: string): Promise<ServerRecord> =>
    loadServer(servers, principal, id);

  /** Reads, plans, writes conditionally; a lost race re-reads and plans again. */
  /**
   * Reads, plans and writes, again from a fresh read when the write loses a race. With
   * `guardHeartbeat`, a heartbeat landing between the read and the write is such a race too.
   */
  async function mutate(
    read: () => Promise<ServerRecord | null>,
    plan: (current: ServerRecord) => Plan,
    { guardHeartbeat = false } = {},
  ): Promise<Written | null> {
    for (let attempt = 0; ; attempt++) {
      const current = await read();
      if (!current) return null;
      const step = plan(current);
      try {
        if (step.kind === 'none') return { before: current, after: current, wrote: false };
        if (step.kind === 'remove') {
          await servers.remove(current, current.version);
          return { before: current, after: null, wrote: true };
        }
        await servers.update(
          step.next,
          current.version,
          step.event,
          guardHeartbeat ? { heartbeatSeen: current.runtime?.lastHeartbeatAt ?? null } : {},
        );
        return { before: current, after: step.next, wrote: true };
      } catch (error) {
        if (error instanceof ConcurrentModificationError && attempt < WRITE_RETRIES) continue;
        throw error;
      }
    }
  }

  const reread = (server: Pick<ServerRecord, 'tenantId' | 'id'>) => () =>
    servers.get(server.tenantId, server.id);

  /** The record after a move: runtime only while starting or running, a fresh launch attempt when launching anew. */
  function moved(
    current: ServerRecord,
    to: ServerState,
    reason: string,
    command: ServerCommand,
    address: string | null,
  ): ServerRecord {
    const now = clock.now().toISOString();
    const forgetHost = command.type === 'hostTerminated';
    const instanceId = forgetHost ? null : current.instanceId;
    const launchesAnew = to === 'starting' && instanceId === null;
    return {
      ...current,
      state: to,
      stateReason: reason,
      instanceId,
      launchAttempt: (current.launchAttempt ?? 0) + (launchesAnew ? 1 : 0),
      runtime: runtimeFor(current, to, address, now),
      updatedAt: now,
      version: current.version + 1,
    };
  }

  function runtimeFor(
    current: ServerRecord,
    to: ServerState,
    address: string | null,
    now: string,
  ): ServerRuntime | null {
    if (to === 'starting') {
      const fresh: ServerRuntime = {
        address: null,
        connectionPort: current.config.connectionPort,
        queryPort: current.config.queryPort,
        searchId: null,
        ready: false,
        players: 0,
        maxPlayers: current.config.maxPlayers,
        gameVersion: null,
        startedAt: now,
        lastPlayerSeenAt: null,
        lastHeartbeatAt: null,
        lastAnsweredAt: null,
        keepaliveUntil: null,
        idleStopAt: null,
      };
      return fresh;
    }
    if (to === 'running') {
      const base = current.runtime ?? (runtimeFor(current, 'starting', null, now) as ServerRuntime);
      return { ...base, address: address ?? base.address };
    }
    return null;
  }

  /** Plans a command through the state machine; `address` is the host's, for a move to running. */
  function planCommand(
    current: ServerRecord,
    command: ServerCommand,
    actor: string,
    reason: string,
    address: string | null = null,
  ): Plan {
    const step = transition(current.state, command);
    switch (step.kind) {
      case 'rejected':
        throw new ConflictError(step.detail);
      case 'unchanged':
        return { kind: 'none' };
      case 'remove':
        return { kind: 'remove' };
      case 'move': {
        // hostTerminated from `error` moves error → error: worth a write only to forget the host.
        if (step.to === current.state && !(command.type === 'hostTerminated' && current.instanceId)) {
          return { kind: 'none' };
        }
        const next = moved(current, step.to, reason, command, address);
        const detail = {
          from: current.state,
          reason,
          ...(address && step.to === 'running' ? { address } : {}),
        };
        return { kind: 'write', next, event: event(`state.${step.to}`, actor, detail) };
      }
    }
  }

  /** Appends an event (and any change) to the server as it is now. */
  const note = (
    server: ServerRecord,
    type: string,
    actor: string,
    detail: Record<string, unknown>,
    change: Partial<ServerRecord> = {},
  ) =>
    mutate(reread(server), (current) => ({
      kind: 'write',
      next: { ...current, ...change, updatedAt: clock.now().toISOString(), version: current.version + 1 },
      event: event(type, actor, detail),
    }));

  /**
   * Issues an effect on EC2 for a server just moved (or still) in the effect's state, and
   * records its outcome. `from` is the state the server was moved from, when it just was.
   */
  async function runEffect(
    server: ServerRecord,
    effect: HostEffect,
    actor: string,
    from?: ServerState,
  ): Promise<void> {
    try {
      switch (effect) {
        case 'launch':
          return await (server.instanceId
            ? powerOn(server, server.instanceId, actor)
            : launch(server, actor));
        case 'halt':
          return await power(server, 'stop', actor, from === 'starting');
        case 'terminate':
          return await power(server, 'terminate', actor);
      }
    } catch (error) {
      // The intent is recorded; the sync or the reconciler issues the effect again.
      onError('host effect failed; left for the reconciler', error, { serverId: server.id, effect });
    }
  }

  async function launch(server: ServerRecord, actor: string): Promise<void> {
    const types = [server.instanceType, ...deps.instanceTypes.filter((t) => t !== server.instanceType)] as [
      string,
      ...string[],
    ];
    const result = await hosts.launch({
      serverId: server.id,
      tenantId: server.tenantId,
      clientToken: clientTokenOf(server.id, server.launchAttempt ?? 0),
      instanceTypes: types,
      ...(deps.userDataFor && { userData: deps.userDataFor(server) }),
    });
    if (result.kind === 'failed') {
      await mutate(reread(server), (current) =>
        current.state === 'starting' && current.instanceId === null
          ? planCommand(current, { type: 'fail' }, actor, result.code)
          : { kind: 'none' },
      );
      return;
    }
    const { instanceId, instanceType, skipped } = result;
    // A server that meanwhile records another host keeps it: this one is then no server's, and
    // the reconciler reports it rather than anyone guessing which to terminate.
    const recorded = await mutate(reread(server), (current) =>
      current.instanceId !== null
        ? { kind: 'none' }
        : {
            kind: 'write',
            next: {
              ...current,
              instanceId,
              // What the usage records price this host's runs at.
              hostInstanceType: instanceType,
              updatedAt: clock.now().toISOString(),
              version: current.version + 1,
            },
            event: event('host.launched', actor, {
              instanceId,
              instanceType,
              ...(skipped.length ? { fallbackFrom: skipped } : {}),
            }),
          },
    );
    if (!recorded?.after) {
      // Deleted while launching: nobody would ever own this host, so it goes at once.
      await hosts.terminate(instanceId);
      return;
    }
    if (recorded.after.instanceId !== instanceId) return;
    // Only the call that recorded the host tells of its fallbacks (a re-driven launch does not again).
    for (const skip of recorded.wrote ? skipped : []) {
      await note(recorded.after, 'host.capacityFallback', actor, { ...skip, launched: instanceType });
    }
    // Stopped or deleted while the launch was under way: the newer intent applies to the new host.
    const { state } = recorded.after;
    if (state === 'stopping' || state === 'stopped') await hosts.stop(instanceId);
    if (state === 'deleting') await hosts.terminate(instanceId);
    // A state-change event that came before the host was recorded found no server: look once
    // more now that it is recorded, so an early `running` is not left to the reconciler.
    if (state === 'starting') await syncServer(recorded.after, await hosts.describe(instanceId), actor);
  }

  async function powerOn(server: ServerRecord, instanceId: string, actor: string): Promise<void> {
    const result = await hosts.start(instanceId);
    if (result === 'ok') await note(server, 'host.started', actor, { instanceId });
    if (result === 'notFound') await lost(server, actor);
  }

  async function power(
    server: ServerRecord,
    call: 'stop' | 'terminate',
    actor: string,
    launchMayRun = false,
  ): Promise<void> {
    if (!server.instanceId) {
      // Stopped while a launch may still be under way: stay `stopping`, so that the launch,
      // finding it so, stops its new host and the sync sees the stop through (or, if the
      // launch crashed, the reconciler finds no host and finishes the stop).
      if (launchMayRun) return;
      // Otherwise there is nothing to halt.
      await mutate(reread(server), (current) =>
        current.state === 'stopping' && current.instanceId === null
          ? planCommand(current, { type: 'hostStopped' }, actor, 'no-host')
          : { kind: 'none' },
      );
      return;
    }
    const result = await hosts[call](server.instanceId);
    if (result === 'notFound') await lost(server, actor);
  }

  /** The recorded host does not exist: forget it (error, or the end of a delete). */
  const lost = (server: ServerRecord, actor: string) =>
    mutate(reread(server), (current) =>
      current.instanceId === server.instanceId
        ? planCommand(current, { type: 'hostTerminated' }, actor, 'host-not-found')
        : { kind: 'none' },
    );

  /** A user's start or stop: the write, then the effect (whose failure the response does not hide from the events). */
  async function command(
    principal: Principal,
    id: string,
    type: 'start' | 'stop',
    reason: string,
  ): Promise<PowerResponse> {
    const first = await load(principal, id);
    // Checked before anything is written, so a server that cannot boot is refused, not launched.
    if (type === 'start' && transition(first.state, { type }).kind === 'move') {
      await deps.packages.resolvePackageFor(first);
      const budget = await deps.budgetOf?.(first.tenantId);
      if (budget && budget.spentUsd >= budget.monthlyUsd) {
        throw new PaymentRequiredError(
          `This month's budget of $${budget.monthlyUsd} is spent (an estimated $${budget.spentUsd.toFixed(2)}); raise it with PUT /v1/budget.`,
        );
      }
    }
    let effect: HostEffect | null = null;
    const written = await mutate(reread(first), (current) => {
      const step = transition(current.state, { type });
      effect = step.kind === 'move' ? step.effect : null;
      return planCommand(current, { type }, principal.keyId, reason);
    });
    if (!written?.after) throw serverNotFound(id);
    if (!written.wrote) return { status: 200, server: toServerView(written.after) };
    const begun = effect as HostEffect | null;
    if (begun) await runEffect(written.after, begun, principal.keyId, written.before.state);
    const now = (await servers.get(principal.tenantId, id)) ?? written.after;
    return { status: 202, server: toServerView(now) };
  }

  /** Brings one server in step with its host; returns what was done ('none' when nothing). */
  async function syncServer(server: ServerRecord, host: HostStatus | null, actor: string): Promise<string> {
    const context = { now: clock.now(), timeoutMs: deps.transitionTimeoutMs };
    let decision: SyncDecision = { kind: 'none' };
    const written = await mutate(reread(server), (current) => {
      // Another instance than the recorded one says nothing about this server; with none
      // recorded yet, the launch is still being recorded: re-driving it (same ClientToken) does that.
      if (host && current.instanceId !== null && host.instanceId !== current.instanceId) {
        decision = { kind: 'none' };
        return { kind: 'none' };
      }
      decision = decideSync(current, current.instanceId === null ? null : host, context);
      switch (decision.kind) {
        case 'apply':
          return planCommand(current, decision.command, actor, decision.reason, host?.address ?? null);
        case 'address': {
          const address = decision.address;
          return {
            kind: 'write',
            next: {
              ...current,
              runtime: current.runtime && { ...current.runtime, address },
              updatedAt: clock.now().toISOString(),
              version: current.version + 1,
            },
            event: event('host.address', actor, { address }),
          };
        }
        default:
          return { kind: 'none' };
      }
    });
    const done = decision as SyncDecision;
    if (done.kind === 'redrive' && written?.after) {
      const effect = effectOf(written.after.state);
      if (effect) await runEffect(written.after, effect, actor);
      return `redrive:${effect}`;
    }
    if (done.kind === 'apply') return `${done.command.type}:${done.reason}`;
    return done.kind;
  }

  return {
    /** A start by a key (reason `user`), or by a schedule acting for its server (reason `schedule`). */
    start: (principal: Principal, id: string, reason: 'user' | 'schedule' = 'user') =>
      command(principal, id, 'start', reason),
    stop: (principal: Principal, id: string) => command(principal, id, 'stop', 'user'),

    /**
     * A stop that someone other than a user decides (the idle reaper): `decide` sees the server
     * as read now, consistently, and names the reason, or `null` to leave it. The write is
     * conditional on that read's version: a start, a stop or another reaper run in between
     * makes it read and decide again, so a server is never stopped twice and never on a
     * decision made about an earlier run. Answers the reason it stopped for, or `null`.
     */
    async stopIf(
      server: Pick<ServerRecord, 'tenantId' | 'id'>,
      actor: string,
      decide: (current: ServerRecord) => string | null,
    ): Promise<string | null> {
      let reason: string | null = null;
      // Decided on what the host last reported: a heartbeat since (a player joining) decides anew.
      const written = await mutate(
        reread(server),
        (current) => {
          reason = current.state === 'running' ? decide(current) : null;
          return reason ? planCommand(current, { type: 'stop' }, actor, reason) : { kind: 'none' };
        },
        { guardHeartbeat: true },
      );
      if (!written?.wrote || !written.after) return null;
      await runEffect(written.after, 'halt', actor, written.before.state);
      return reason;
    },

    /** After a delete moved a server with a host to `deleting`: terminate that host. */
    terminateHost: (server: ServerRecord, actor: string) => runEffect(server, 'terminate', actor),

    /** An EC2 state-change notification: the event says which instance, DescribeInstances says how it is now. */
    async syncInstance(instanceId: string, actor = 'system'): Promise<string> {
      const server = await deps.index.findByInstance(instanceId);
      if (!server) return 'unknown-instance';
      return syncServer(server, await hosts.describe(instanceId), actor);
    },

    /** Compares every host of the deployment and every active server, and repairs drift. */
    async reconcile(actor = 'reconciler'): Promise<ReconcileReport> {
      const handled = new Set<string>();
      const actions: { serverId: string; action: string }[] = [];
      const orphans: TaggedHost[] = [];
      let checkedHosts = 0;
      let nextToken: string | null = null;
      do {
        const page = await hosts.list(nextToken);
        for (const host of page.hosts) {
          checkedHosts++;
          const server = await ownerOf(host);
          if (!server) {
            if (host.power !== 'terminated' && host.power !== 'shutting-down') orphans.push(host);
            continue;
          }
          if (handled.has(server.id)) continue;
          handled.add(server.id);
          const action = await syncServer(server, host, actor);
          if (action !== 'none') actions.push({ serverId: server.id, action });
        }
        nextToken = page.nextToken;
      } while (nextToken);

      let checkedServers = handled.size;
      for await (const server of deps.index.active()) {
        if (handled.has(server.id)) continue;
        checkedServers++;
        const host = server.instanceId ? await hosts.describe(server.instanceId) : null;
        const action = await syncServer(server, host, actor);
        if (action !== 'none') actions.push({ serverId: server.id, action });
      }
      return { checkedHosts, checkedServers, actions, orphans };
    },
  };

  /**
   * The server that owns a host: the one recording its instance id, or (launch still being
   * recorded) the server named by its tags while that server starts without an instance.
   */
  async function ownerOf(host: TaggedHost): Promise<ServerRecord | null> {
    const byInstance = await deps.index.findByInstance(host.instanceId);
    if (byInstance) return byInstance;
    if (!host.tenantId || !host.serverId) return null;
    const tagged = await servers.get(host.tenantId, host.serverId);
    return tagged && tagged.instanceId === null && tagged.state === 'starting' ? tagged : null;
  }
}

function effectOf(state: ServerState): HostEffect | null {
  switch (state) {
    case 'starting':
      return 'launch';
    case 'stopping':
      return 'halt';
    case 'deleting':
      return 'terminate';
    default:
      return null;
  }
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;
