/**
 * What to do when what EC2 says about a server's host differs from what the table says: the
 * one decision shared by the state-change handler and the reconciler. Pure, so every pairing
 * of server state and host power is unit-tested without I/O.
 *
 * DynamoDB holds the intent and EC2 holds the power: a host that is where the intent leads is
 * recorded (`apply`), one that is not yet there has the intent's effect issued again
 * (`redrive`, safe because every effect is idempotent: the launch by its `ClientToken`), and
 * one stuck past the timeout makes the server `error` with a reason.
 */
import type { ServerRecord } from './server.ts';
import type { ServerCommand } from './server-state.ts';

/** EC2's instance states. */
export const HOST_POWERS = [
  'pending',
  'running',
  'stopping',
  'stopped',
  'shutting-down',
  'terminated',
] as const;
export type HostPower = (typeof HOST_POWERS)[number];

/** A host as EC2 describes it. */
export interface HostStatus {
  readonly instanceId: string;
  readonly power: HostPower;
  /** The public IPv4 address, while it has one. */
  readonly address: string | null;
}

export type SyncDecision =
  | { readonly kind: 'none' }
  /** Record what the host did (a state change through `transition`). */
  | { readonly kind: 'apply'; readonly command: ServerCommand; readonly reason: string }
  /** The server runs and stays running, but its address changed (or was not known yet). */
  | { readonly kind: 'address'; readonly address: string | null }
  /** Issue the current state's effect again (launch/start, stop or terminate). */
  | { readonly kind: 'redrive' };

export interface SyncContext {
  readonly now: Date;
  /** How long a server may stay `starting` or `stopping` before it is an error. */
  readonly timeoutMs: number;
}

/**
 * How long a launch may still be under way after its server left `starting`: longer than any
 * start function runs. A stop without a host finishes only after it, so a late launch finds
 * the server `stopping` and halts its new host, instead of the host being adopted as running.
 */
export const LAUNCH_GRACE_MS = 60_000;

const none: SyncDecision = { kind: 'none' };
const apply = (command: ServerCommand['type'], reason: string): SyncDecision => ({
  kind: 'apply',
  command: { type: command } as ServerCommand,
  reason,
});

/**
 * `host` is `null` when EC2 knows no instance for the server: none was launched yet
 * (`instanceId` null), or the recorded one is gone (not found). A terminated instance counts as
 * gone too.
 */
export function decideSync(
  server: ServerRecord,
  host: HostStatus | null,
  context: SyncContext,
): SyncDecision {
  const age = context.now.getTime() - Date.parse(server.updatedAt);
  const overdue = age > context.timeoutMs;
  const power = host?.power ?? null;
  const gone = power === 'terminated' || (power === null && server.instanceId !== null);
  const never = power === null && server.instanceId === null;
  const timedOut = (what: string) => apply('fail', `${what}-timeout`);

  switch (server.state) {
    case 'starting':
      if (power === 'running') return apply('hostRunning', 'host-running');
      if (power === 'shutting-down' || gone) return apply('hostTerminated', 'host-terminated');
      if (overdue) return timedOut('start');
      // No instance yet (a crash between the table write and the launch), or a start issued
      // while the host was still stopping: issue it again.
      return never || power === 'stopped' ? { kind: 'redrive' } : none;
    case 'stopping':
      if (power === 'stopped') return apply('hostStopped', 'host-stopped');
      if (never) return age > LAUNCH_GRACE_MS ? apply('hostStopped', 'no-host') : none;
      if (power === 'shutting-down' || gone) return apply('hostTerminated', 'host-terminated');
      if (overdue) return timedOut('stop');
      return power === 'running' || power === 'pending' ? { kind: 'redrive' } : none;
    case 'running':
      if (power === 'running') {
        return host?.address !== server.runtime?.address
          ? { kind: 'address', address: host?.address ?? null }
          : none;
      }
      if (power === 'stopping' || power === 'stopped') return apply('hostStopped', 'reconciled');
      if (power === 'shutting-down' || gone) return apply('hostTerminated', 'host-terminated');
      return never ? apply('fail', 'no-host') : none;
    case 'stopped':
    case 'error':
      if (power === 'running') return apply('hostRunning', 'reconciled');
      if (power === 'stopped' && server.state === 'error') return apply('hostStopped', 'reconciled');
      // A recorded host that no longer exists is forgotten, so the next start launches anew.
      if ((power === 'shutting-down' || gone) && server.instanceId !== null) {
        return apply('hostTerminated', 'host-terminated');
      }
      return none;
    case 'deleting':
      if (gone || never) return apply('hostTerminated', 'deleted');
      return power === 'shutting-down' ? none : { kind: 'redrive' };
  }
}
