/** Key builders and cursors for the single table; `docs/storage.md` draws the whole design. */
import { ValidationError } from '../../domain/errors.ts';
import { ACTIVE_SHARDS } from './table-design.ts';

export const keys = {
  tenant: (tenantId: string) => `TENANT#${tenantId}`,
  server: (serverId: string) => `SERVER#${serverId}`,
  key: (keyId: string) => `KEY#${keyId}`,
  keyHash: (hash: string) => `KEYHASH#${hash}`,
  package: (packageId: string) => `PACKAGE#${packageId}`,
  idempotency: (key: string) => `IDEMPOTENCY#${key}`,
  /** Deployment-wide settings (not a tenant's): the default package per game. */
  deployment: () => 'DEPLOYMENT',
  defaultPackage: (game: string) => `DEFAULT_PACKAGE#${game}`,
  /** Events live in their server's own partition, newest last by sort key. */
  serverEvents: (serverId: string) => `SERVER#${serverId}`,
  event: (at: string, unique: string) => `EVENT#${at}#${unique}`,
  /** A server's schedules live in its own partition too, beside their live count. */
  schedule: (scheduleId: string) => `SCHEDULE#${scheduleId}`,
  scheduleCount: () => 'SCHEDULES',
  /** A tenant's webhooks live under the tenant, beside their count; their delivery attempts in their own partition. */
  webhook: (webhookId: string) => `WEBHOOK#${webhookId}`,
  webhookCount: () => 'WEBHOOKS',
  webhookAttempts: (webhookId: string) => `WEBHOOK#${webhookId}`,
  attempt: (at: string, unique: string) => `ATTEMPT#${at}#${unique}`,
  /**
   * A closed run or a deleted server's volume life, in its tenant's partition, by the time it
   * ended: a month's usage is one Query from the month's start (`docs/storage.md`).
   */
  usage: (endedAt: string, serverId: string, kind: string) => `USAGE#${endedAt}#${serverId}#${kind}`,
  /** The tenant's run counters and budget, kept by the run writes: a start's one budget read. */
  usageSummary: () => 'USAGE_SUMMARY',
};

/** Spreads active servers over index partitions by a stable hash of their id. */
export function activeShardOf(serverId: string): string {
  let hash = 0;
  for (const ch of serverId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `ACTIVE#${hash % ACTIVE_SHARDS}`;
}

/**
 * Cursors carry only the last sort key, checked against the partition's prefix: a forged
 * cursor can neither name another partition nor reach DynamoDB as a malformed key.
 */
export const cursors = {
  encode: (sortKey: string): string => Buffer.from(sortKey, 'utf8').toString('base64url'),
  decode(cursor: string, prefix: string): string {
    const sortKey = Buffer.from(cursor, 'base64url').toString('utf8');
    if (!sortKey.startsWith(prefix) || sortKey.length > 300 || cursors.encode(sortKey) !== cursor) {
      throw new ValidationError('The cursor is not valid here.', [
        { path: 'cursor', message: 'is not a cursor from this list' },
      ]);
    }
    return sortKey;
  },
};

/** Epoch seconds for the table's TTL attribute. */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
