/**
 * Which webhook events a change of a table item is. The table's stream carries every write of a
 * server or package item with its old and new image, so the events come from the very write
 * that made the transition (an outbox the table keeps for us), whoever made it: a user, the
 * host's heartbeat, the reaper, the EC2 sync. Pure.
 */
import type { WebhookEventType } from './webhook.ts';

/** One item change as the stream reports it, images already unmarshalled. */
export interface ItemChange {
  readonly old: Record<string, unknown> | null;
  readonly new: Record<string, unknown> | null;
}

export interface ChangeEvent {
  readonly type: WebhookEventType;
  readonly tenantId: string;
  readonly at: string;
  readonly data: Record<string, unknown>;
}

const STATE_EVENTS: Readonly<Record<string, WebhookEventType>> = {
  starting: 'server.starting',
  stopping: 'server.stopping',
  stopped: 'server.stopped',
  error: 'server.error',
};

type Runtime = {
  ready?: boolean;
  players?: number;
  address?: string | null;
  connectionPort?: number;
  queryPort?: number;
  searchId?: string | null;
  gameVersion?: string | null;
  startedAt?: string | null;
} | null;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Whole seconds from `iso` to `now`, or `null` without a readable time. */
function secondsSince(iso: unknown, now: Date): number | null {
  const then = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(then) ? null : Math.max(0, Math.round((now.getTime() - then) / 1000));
}

export function eventsOfChange(change: ItemChange, now: Date): ChangeEvent[] {
  const after = change.new;
  if (!after) return [];
  const before = change.old;
  const tenantId = str(after.tenantId);
  if (!tenantId) return [];
  const at = str(after.updatedAt) ?? now.toISOString();
  if (after.entity === 'server') return serverEvents(before, after, tenantId, at, now);
  if (after.entity === 'package') {
    const state = str(after.state);
    if ((state === 'ready' || state === 'invalid') && before?.state !== state) {
      return [
        {
          type: `package.${state}`,
          tenantId,
          at,
          data: { packageId: after.id, name: after.name, game: after.game },
        },
      ];
    }
  }
  return [];
}

/**
 * The tenant whose spend the change shows growing, or `null`: a write of a server that is or
 * was running (its heartbeats rewrite it every 30 s while it runs). The dispatcher checks that
 * tenant's budget for the 80 % warning (spend grows only while a server runs).
 */
export function spendingTenantOf(change: ItemChange): string | null {
  const after = change.new;
  if (after?.entity !== 'server') return null;
  if (after.state !== 'running' && change.old?.state !== 'running') return null;
  return str(after.tenantId);
}

function serverEvents(
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
  tenantId: string,
  at: string,
  now: Date,
): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  const base = { serverId: after.id, name: after.name, game: after.game };
  const state = str(after.state) ?? '';
  const type = STATE_EVENTS[state];
  if (type && before && before.state !== state) {
    events.push({
      type,
      tenantId,
      at,
      data: { ...base, from: before.state, reason: after.stateReason ?? null },
    });
  }
  const was = (before?.runtime ?? null) as Runtime;
  const is = (after.runtime ?? null) as Runtime;
  const up = state === 'starting' || state === 'running';
  // Heartbeats do not move `updatedAt`: the event is timed by the stream record instead.
  if (up && is?.ready === true && was?.ready !== true) {
    events.push({
      type: 'server.ready',
      tenantId,
      at: now.toISOString(),
      data: {
        ...base,
        address: is.address ?? null,
        connectionPort: is.connectionPort ?? null,
        queryPort: is.queryPort ?? null,
        searchId: is.searchId ?? null,
        gameVersion: is.gameVersion ?? null,
        startToReadySeconds: secondsSince(is.startedAt, now),
      },
    });
  }
  if (state === 'running' && (was?.players ?? 0) > 0 && is?.players === 0) {
    events.push({ type: 'server.empty', tenantId, at: now.toISOString(), data: { ...base } });
  }
  return events;
}
