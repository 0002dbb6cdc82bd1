/**
 * The game-host routes' use cases: a host, known by the instance its IAM credentials belong to,
 * fetches its own server's boot bundle and reports its own server's runtime. There is no server
 * id in either request: the instance names the server (the `byInstance` index), so a host cannot
 * even ask about another server.
 */
import {
  ConcurrentModificationError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../domain/errors.ts';
import type { HeartbeatReply, HeartbeatRequest, HostBundle, HostCaller } from '../domain/host.ts';
import { BUNDLE_URL_SECONDS } from '../domain/host.ts';
import type { ServerRecord, ServerRuntime } from '../domain/server.ts';
import { transition } from '../domain/server-state.ts';
import { renderServerConfig } from '../domain/sii/server-config.ts';
import type { PackageResolver } from './package-resolver.ts';
import type { Clock, PackageStorage, ServerEvent, ServerIndex, ServerRepository } from './ports.ts';

export interface HostIdentityDeps {
  readonly index: Pick<ServerIndex, 'findByInstance'>;
  /** The deployment's host role: any other IAM caller is refused. Unset refuses every caller. */
  readonly hostRoleName: string | undefined;
}

export interface HostBundleDeps extends HostIdentityDeps {
  readonly packages: { readonly resolvePackageFor: PackageResolver };
  readonly storage: Pick<PackageStorage, 'presignDownload'>;
  readonly clock: Clock;
}

export interface HostReportDeps extends HostIdentityDeps {
  readonly servers: ServerRepository;
  readonly clock: Clock;
}

/** The actor of what a host reports, in the server's events. */
export const hostActor = (instanceId: string): string => `host:${instanceId}`;

const UP: readonly string[] = ['starting', 'running'];
const WRITE_RETRIES = 20;

/** The caller's server: 403 for anyone but this deployment's host role, 404 for an instance no server owns. */
async function serverOf(deps: HostIdentityDeps, caller: HostCaller | null): Promise<ServerRecord> {
  if (!caller || !deps.hostRoleName || caller.roleName !== deps.hostRoleName) {
    throw new ForbiddenError(
      "Only a game host of this deployment may call this route, with its instance role's credentials.",
    );
  }
  const server = await deps.index.findByInstance(caller.instanceId);
  if (!server) throw new NotFoundError(`No server is hosted on instance ${caller.instanceId}.`);
  return server;
}

export function createHostBundles(deps: HostBundleDeps) {
  return {
    /** The rendered config (secrets included) and short-lived package downloads, for the caller's own server. */
    async bundle(caller: HostCaller | null): Promise<HostBundle> {
      const server = await serverOf(deps, caller);
      if (!UP.includes(server.state)) {
        throw new ConflictError(
          `The server is ${server.state}: a host fetches its bundle only while it starts or runs.`,
        );
      }
      const resolved = await deps.packages.resolvePackageFor(server);
      const manifest = resolved.package.manifest;
      if (!manifest) throw new ConflictError(`The package ${resolved.package.id} has no manifest.`);
      const [sii, dat] = await Promise.all([
        deps.storage.presignDownload(resolved.objects.sii, BUNDLE_URL_SECONDS),
        deps.storage.presignDownload(resolved.objects.dat, BUNDLE_URL_SECONDS),
      ]);
      return {
        serverId: server.id,
        game: server.game,
        branch: server.branch,
        serverConfigSii: renderServerConfig(server.config),
        queryPort: server.config.queryPort,
        packages: {
          sii: { url: sii, bytes: manifest.sii.bytes, sha256: manifest.sii.sha256 },
          dat: { url: dat, bytes: manifest.dat.bytes, sha256: manifest.dat.sha256 },
        },
        expiresAt: new Date(deps.clock.now().getTime() + BUNDLE_URL_SECONDS * 1000).toISOString(),
      };
    },
  };
}

export function createHostReports(deps: HostReportDeps) {
  const { servers, clock } = deps;

  /** The runtime after a heartbeat; the reaper's `idleStopAt` and the sync's address stay as they are. */
  function observed(current: ServerRuntime, report: HeartbeatRequest, now: string): ServerRuntime {
    return {
      ...current,
      ready: report.ready,
      searchId: report.searchId ?? current.searchId,
      players: report.players,
      gameVersion: report.gameVersion ?? current.gameVersion,
      lastPlayerSeenAt: report.players > 0 ? now : current.lastPlayerSeenAt,
      lastHeartbeatAt: now,
    };
  }

  const event = (type: string, actor: string, detail: Record<string, unknown>): ServerEvent => ({
    at: clock.now().toISOString(),
    type,
    actor,
    detail,
  });

  /** A failure the host cannot get past: the state machine's `fail`, with the host's reason. */
  async function fail(server: ServerRecord, report: HeartbeatRequest & { failure: string }, actor: string) {
    const step = transition(server.state, { type: 'fail' });
    if (step.kind !== 'move') return false;
    const now = clock.now().toISOString();
    await servers.update(
      {
        ...server,
        state: step.to,
        stateReason: report.failure,
        runtime: null,
        updatedAt: now,
        version: server.version + 1,
      },
      server.version,
      event(`state.${step.to}`, actor, { from: server.state, reason: report.failure }),
    );
    return true;
  }

  return {
    /**
     * Records what the host sees of its server. A report for a server that is not starting or
     * running is answered (the host learns the state) but not recorded.
     */
    async heartbeat(caller: HostCaller | null, report: HeartbeatRequest): Promise<HeartbeatReply> {
      let server = await serverOf(deps, caller);
      const actor = hostActor((caller as HostCaller).instanceId);
      for (let attempt = 0; ; attempt++) {
        if (!UP.includes(server.state) || !server.runtime) {
          return { serverId: server.id, state: server.state, recorded: false };
        }
        try {
          if (report.failure) {
            await fail(server, { ...report, failure: report.failure }, actor);
            return { serverId: server.id, state: 'error', recorded: true };
          }
          const now = clock.now().toISOString();
          const runtime = observed(server.runtime, report, now);
          const became = runtime.ready === server.runtime.ready ? null : runtime.ready;
          const note =
            became === null
              ? undefined
              : event(became ? 'host.ready' : 'host.notReady', actor, {
                  searchId: runtime.searchId,
                  gameVersion: runtime.gameVersion,
                });
          await servers.recordRuntime(server, server.version, runtime, note);
          return { serverId: server.id, state: server.state, recorded: true };
        } catch (error) {
          if (!(error instanceof ConcurrentModificationError) || attempt >= WRITE_RETRIES) throw error;
          const again = await servers.get(server.tenantId, server.id);
          if (!again || again.instanceId !== (caller as HostCaller).instanceId) {
            throw new NotFoundError(`No server is hosted on instance ${(caller as HostCaller).instanceId}.`);
          }
          server = again;
        }
      }
    },
  };
}

export type HostBundles = ReturnType<typeof createHostBundles>;
export type HostReports = ReturnType<typeof createHostReports>;
