/** Servers, their events and create-idempotency records in the single table. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  ConcurrentModificationError,
  IdempotencyKeyTakenError,
  UnprocessableError,
} from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import type { UsageInterval } from '../../domain/run.ts';
import { openOrCloseRun, summaryAdds } from '../../domain/run.ts';
import type { ServerRecord } from '../../domain/server.ts';
import { ACTIVE_STATES } from '../../domain/server.ts';
import type { Clock, ServerEvent, ServerRepository } from '../../services/ports.ts';
import { idempotencyPut, readIdempotencyRecord } from './idempotency.ts';
import { activeShardOf, epochSeconds, keys } from './keys.ts';
import { queryPage } from './query-page.ts';
import { transactWrite } from './transact.ts';

const EVENT_RETENTION_DAYS = 90;
/** Usage items outlive a year's questions about the months before. */
const USAGE_RETENTION_DAYS = 400;
const DAY_MS = 86_400_000;

export interface ServerRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
}

export function createServerRepository({
  client,
  tableName,
  clock,
}: ServerRepositoryOptions): ServerRepository {
  const TableName = tableName;

  const serverItem = (server: ServerRecord) => {
    const active = ACTIVE_STATES.includes(server.state);
    return {
      pk: keys.tenant(server.tenantId),
      sk: keys.server(server.id),
      entity: 'server',
      ...server,
      // Sparse index keys: present only while they mean something.
      instanceId: server.instanceId ?? undefined,
      activeShard: active ? activeShardOf(server.id) : undefined,
      activeSk: active ? `${server.tenantId}#${server.id}` : undefined,
    };
  };

  const eventPut = (serverId: string, tenantId: string, event: ServerEvent) => ({
    Put: {
      TableName,
      Item: {
        pk: keys.serverEvents(serverId),
        sk: keys.event(event.at, newId('evt')),
        entity: 'event',
        tenantId,
        ...event,
        expiresAt: epochSeconds(new Date(Date.parse(event.at) + EVENT_RETENTION_DAYS * DAY_MS)),
      },
    },
  });

  /** A closed run, or a deleted server's volume life: what `usage-repository.ts` reads. */
  const usagePut = (tenantId: string, interval: UsageInterval) => ({
    Put: {
      TableName,
      Item: {
        pk: keys.tenant(tenantId),
        sk: keys.usage(interval.endedAt ?? '', interval.serverId, interval.kind),
        entity: 'usage',
        ...interval,
        expiresAt: epochSeconds(new Date(Date.parse(interval.endedAt ?? '') + USAGE_RETENTION_DAYS * DAY_MS)),
      },
    },
  });

  /** The counters a run's opening or closing moves on its tenant's summary (`domain/run.ts`). */
  const summaryAdd = (tenantId: string, adds: Record<string, number>) => {
    const entries = Object.entries(adds);
    return {
      Update: {
        TableName,
        Key: { pk: keys.tenant(tenantId), sk: keys.usageSummary() },
        UpdateExpression: `ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, n], i) => [`:c${i}`, n])),
      },
    };
  };

  /**
   * A server's use of a package is recorded on the package item (`usedBy`, a string set), in the
   * same transaction as the server write: a package delete conditioned on an empty `usedBy` and
   * an attach conditioned on the package being ready cannot both succeed, whatever the timing.
   */
  const attachPackage = (server: ServerRecord, packageId: string) => ({
    Update: {
      TableName,
      Key: { pk: keys.tenant(server.tenantId), sk: keys.package(packageId) },
      UpdateExpression: 'ADD usedBy :server',
      ConditionExpression: '#state = :ready AND game = :game',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':server': new Set([server.id]), ':ready': 'ready', ':game': server.game },
    },
  });
  const detachPackage = (server: ServerRecord, packageId: string) => ({
    Update: {
      TableName,
      Key: { pk: keys.tenant(server.tenantId), sk: keys.package(packageId) },
      UpdateExpression: 'DELETE usedBy :server',
      // Without it, an update of a missing item would create a stray one.
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':server': new Set([server.id]) },
    },
  });
  const packageLost = () =>
    new UnprocessableError('The mod package cannot be used.', [
      { path: 'packageId', message: 'is no longer a ready package of this game (it changed meanwhile)' },
    ]);

  return {
    async get(tenantId, id) {
      const result = await client.send(
        new GetCommand({
          TableName,
          Key: { pk: keys.tenant(tenantId), sk: keys.server(id) },
          ConsistentRead: true,
        }),
      );
      return result.Item ? toServerRecord(result.Item) : null;
    },

    list(tenantId, request) {
      return queryPage(client, request, {
        tableName,
        pk: keys.tenant(tenantId),
        prefix: 'SERVER#',
        toItem: toServerRecord,
      });
    },

    async create(server, event, idempotency) {
      const now = clock.now();
      const result = await transactWrite(client, [
        { Put: { TableName, Item: serverItem(server), ConditionExpression: 'attribute_not_exists(pk)' } },
        eventPut(server.id, server.tenantId, event),
        ...(idempotency ? [idempotencyPut(TableName, server.tenantId, idempotency, now)] : []),
        ...(server.packageId ? [attachPackage(server, server.packageId)] : []),
      ]);
      if (result.ok) return;
      if (server.packageId && result.codes.at(-1) === 'ConditionalCheckFailed') throw packageLost();
      if (idempotency && result.codes[2] === 'ConditionalCheckFailed') {
        throw new IdempotencyKeyTakenError('Another request used this Idempotency-Key at the same time.');
      }
      throw new ConcurrentModificationError(
        `Server ${server.id} could not be created (${result.codes.join(', ')}).`,
      );
    },

    async update(next, expectedVersion, event, options = {}) {
      const { previousPackageId, heartbeatSeen } = options;
      // Entering `running` opens a run on the record, leaving it stores the run: in this write.
      const { record: server, opened, ended } = openOrCloseRun(next, event.at);
      const moved = previousPackageId !== undefined && previousPackageId !== server.packageId;
      // Heartbeats rewrite `runtime` without moving the version: a guarded write checks its stamp.
      const heartbeat =
        heartbeatSeen === undefined
          ? {}
          : heartbeatSeen === null
            ? {
                // None yet: no runtime, or one whose lastHeartbeatAt is still null.
                condition:
                  ' AND (attribute_not_exists(#runtime.#hb) OR attribute_type(#runtime.#hb, :nullType))',
                values: { ':nullType': 'NULL' },
              }
            : { condition: ' AND #runtime.#hb = :hb', values: { ':hb': heartbeatSeen } };
      const result = await transactWrite(client, [
        ...(ended ? [usagePut(server.tenantId, ended)] : []),
        ...(opened || ended ? [summaryAdd(server.tenantId, summaryAdds({ opened, ended }))] : []),
        {
          Put: {
            TableName,
            Item: serverItem(server),
            ConditionExpression: `version = :expected${heartbeat.condition ?? ''}`,
            ExpressionAttributeValues: { ':expected': expectedVersion, ...heartbeat.values },
            ...(heartbeat.condition
              ? { ExpressionAttributeNames: { '#runtime': 'runtime', '#hb': 'lastHeartbeatAt' } }
              : {}),
          },
        },
        eventPut(server.id, server.tenantId, event),
        ...(moved && previousPackageId ? [detachPackage(server, previousPackageId)] : []),
        ...(moved && server.packageId ? [attachPackage(server, server.packageId)] : []),
      ]);
      if (!result.ok) {
        if (moved && server.packageId && result.codes.at(-1) === 'ConditionalCheckFailed')
          throw packageLost();
        throw new ConcurrentModificationError(
          `Server ${server.id} changed since version ${expectedVersion}${heartbeat.condition ? ', or its host reported since' : ''}.`,
        );
      }
    },

    async recordRuntime(server, expectedVersion, runtime, event) {
      const result = await transactWrite(client, [
        {
          Update: {
            TableName,
            Key: { pk: keys.tenant(server.tenantId), sk: keys.server(server.id) },
            UpdateExpression: 'SET runtime = :runtime',
            ConditionExpression: 'version = :expected AND #state IN (:starting, :running)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':runtime': runtime,
              ':expected': expectedVersion,
              ':starting': 'starting',
              ':running': 'running',
            },
          },
        },
        ...(event ? [eventPut(server.id, server.tenantId, event)] : []),
      ]);
      if (!result.ok) {
        throw new ConcurrentModificationError(
          `Server ${server.id} changed since version ${expectedVersion}, or is not up.`,
        );
      }
    },

    async remove(server, expectedVersion) {
      const life: UsageInterval = {
        kind: 'volume',
        serverId: server.id,
        startedAt: server.createdAt,
        endedAt: clock.now().toISOString(),
      };
      const result = await transactWrite(client, [
        usagePut(server.tenantId, life),
        {
          Delete: {
            TableName,
            Key: { pk: keys.tenant(server.tenantId), sk: keys.server(server.id) },
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': expectedVersion },
          },
        },
        ...(server.packageId ? [detachPackage(server, server.packageId)] : []),
      ]);
      if (!result.ok) {
        throw new ConcurrentModificationError(
          `Server ${server.id} changed since version ${expectedVersion}.`,
        );
      }
    },

    events(serverId, request) {
      return queryPage(client, request, {
        tableName,
        pk: keys.serverEvents(serverId),
        prefix: 'EVENT#',
        toItem: toServerEvent,
      });
    },

    idempotencyRecord(tenantId, key) {
      return readIdempotencyRecord(client, tableName, tenantId, key, clock.now());
    },
  };
}

/** A stored server item as the domain record (the key and index attributes dropped). */
export function toServerRecord(item: Record<string, unknown>): ServerRecord {
  const { pk: _pk, sk: _sk, entity: _e, activeShard: _a, activeSk: _as, instanceId, ...rest } = item;
  return {
    ...(rest as Omit<ServerRecord, 'instanceId'>),
    instanceId: (instanceId as string | undefined) ?? null,
  };
}

function toServerEvent(item: Record<string, unknown>): ServerEvent {
  return {
    at: String(item.at),
    type: String(item.type),
    actor: String(item.actor),
    detail: (item.detail ?? {}) as Record<string, unknown>,
  };
}
