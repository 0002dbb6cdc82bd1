/**
 * Keepalive: a user pushes a running server's idle stop out for a planned break. It is a
 * user's change like a PATCH: a new version and an event with the key as actor, so a heartbeat
 * or a reaper write racing it loses and re-reads, and the reaper's next decision sees it.
 */
import type { Principal } from '../domain/api-key.ts';
import { requireServerAccess, serverNotFound } from '../domain/api-key.ts';
import { ConcurrentModificationError, ConflictError } from '../domain/errors.ts';
import { withKeepalive } from '../domain/idle.ts';
import type { ServerView } from '../domain/server.ts';
import { ServerIdSchema, toServerView } from '../domain/server.ts';
import type { Clock, ServerRepository } from './ports.ts';

export interface KeepaliveServiceDeps {
  readonly servers: Pick<ServerRepository, 'get' | 'update'>;
  readonly clock: Clock;
}

const WRITE_RETRIES = 5;

export function createKeepaliveService({ servers, clock }: KeepaliveServiceDeps) {
  return {
    /** Keeps the server up for `minutes` from now, whatever its players; 409 unless it starts or runs. */
    async keepalive(principal: Principal, id: string, minutes: number): Promise<ServerView> {
      requireServerAccess(principal, id);
      if (!ServerIdSchema.safeParse(id).success) throw serverNotFound(id.slice(0, 40));
      for (let attempt = 0; ; attempt++) {
        const current = await servers.get(principal.tenantId, id);
        if (!current) throw serverNotFound(id);
        if ((current.state !== 'running' && current.state !== 'starting') || !current.runtime) {
          throw new ConflictError(
            `The server is ${current.state}: a keepalive applies only while it is starting or running.`,
          );
        }
        const now = clock.now();
        const runtime = withKeepalive(current, current.runtime, now, minutes);
        const next = { ...current, runtime, updatedAt: now.toISOString(), version: current.version + 1 };
        try {
          await servers.update(next, current.version, {
            at: now.toISOString(),
            type: 'server.keepalive',
            actor: principal.keyId,
            detail: { minutes, until: runtime.keepaliveUntil },
          });
          return toServerView(next);
        } catch (error) {
          if (error instanceof ConcurrentModificationError && attempt < WRITE_RETRIES) continue;
          throw error;
        }
      }
    },
  };
}

export type KeepaliveService = ReturnType<typeof createKeepaliveService>;
