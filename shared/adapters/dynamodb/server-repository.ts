/** Servers, their events and create-idempotency records in the single table. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, IdempotencyKeyTakenError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import type { ServerRecord } from '../../domain/server.ts';
import { ACTIVE_STATES } from '../../domain/server.ts';
import type { Clock, IdempotencyRecord, ServerEvent, ServerRepository } from '../../services/ports.ts';
import { activeShardOf, epochSeconds, keys } from './keys.ts';
import { queryPage } from './query-page.ts';
import { transactWrite } from './transact.ts';

const EVENT_RETENTION_DAYS = 90;
const IDEMPOTENCY_HOURS = 24;
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
        ...(idempotency
          ? [
              {
                Put: {
                  TableName,
                  Item: {
                    pk: keys.tenant(server.tenantId),
                    sk: keys.idempotency(idempotency.key),
                    entity: 'idempotency',
                    ...idempotency,
                    expiresAt: epochSeconds(new Date(now.getTime() + IDEMPOTENCY_HOURS * 3_600_000)),
                  },
                  // An expired record may linger (TTL deletes late, stand-ins never): it no longer counts.
                  ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
                  ExpressionAttributeValues: { ':now': epochSeconds(now) },
                },
              },
            ]
          : []),
      ]);
      if (result.ok) return;
      if (result.codes[2] === 'ConditionalCheckFailed') {
        throw new IdempotencyKeyTakenError('Another request used this Idempotency-Key at the same time.');
      }
      throw new ConcurrentModificationError(
        `Server ${server.id} could not be created (${result.codes.join(', ')}).`,
      );
    },

    async update(server, expectedVersion, event) {
      const result = await transactWrite(client, [
        {
          Put: {
            TableName,
            Item: serverItem(server),
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': expectedVersion },
          },
        },
        eventPut(server.id, server.tenantId, event),
      ]);
      if (!result.ok) {
        throw new ConcurrentModificationError(
          `Server ${server.id} changed since version ${expectedVersion}.`,
        );
      }
    },

    async remove(server, expectedVersion) {
      const result = await transactWrite(client, [
        {
          Delete: {
            TableName,
            Key: { pk: keys.tenant(server.tenantId), sk: keys.server(server.id) },
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': expectedVersion },
          },
        },
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

    async idempotencyRecord(tenantId, key) {
      const result = await client.send(
        new GetCommand({
          TableName,
          Key: { pk: keys.tenant(tenantId), sk: keys.idempotency(key) },
          ConsistentRead: true,
        }),
      );
      const item = result.Item;
      if (!item || Number(item.expiresAt) < epochSeconds(clock.now())) return null;
      return {
        key: item.key,
        fingerprint: item.fingerprint,
        status: item.status,
        body: item.body,
      } as IdempotencyRecord;
    },
  };
}

function toServerRecord(item: Record<string, unknown>): ServerRecord {
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
