/**
 * API keys are two items written together: one under the tenant (for listing and deleting by
 * id) and one under the hash of the secret (the authorizer's single GetItem per request).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyRecord } from '../../domain/api-key.ts';
import { ConcurrentModificationError } from '../../domain/errors.ts';
import type { KeyRepository } from '../../services/ports.ts';
import { keys } from './keys.ts';
import { queryPage } from './query-page.ts';
import { transactWrite } from './transact.ts';

export interface KeyRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export function createKeyRepository({ client, tableName }: KeyRepositoryOptions): KeyRepository {
  const TableName = tableName;

  return {
    async create(key, secretHash) {
      const result = await transactWrite(client, [
        {
          Put: {
            TableName,
            Item: { pk: keys.tenant(key.tenantId), sk: keys.key(key.id), entity: 'key', ...key, secretHash },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName,
            Item: { pk: keys.keyHash(secretHash), sk: 'KEYHASH', entity: 'keyHash', ...key },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      if (!result.ok) throw new ConcurrentModificationError('That API key already exists.');
    },

    async findByHash(secretHash) {
      const result = await client.send(
        new GetCommand({
          TableName,
          Key: { pk: keys.keyHash(secretHash), sk: 'KEYHASH' },
          ConsistentRead: true,
        }),
      );
      return result.Item ? toKeyRecord(result.Item) : null;
    },

    list(tenantId, request) {
      return queryPage(client, request, {
        tableName,
        pk: keys.tenant(tenantId),
        prefix: 'KEY#',
        toItem: toKeyRecord,
      });
    },

    async remove(tenantId, id) {
      const found = await client.send(
        new GetCommand({
          TableName,
          Key: { pk: keys.tenant(tenantId), sk: keys.key(id) },
          ConsistentRead: true,
        }),
      );
      if (!found.Item) return false;
      const result = await transactWrite(client, [
        {
          Delete: {
            TableName,
            Key: { pk: keys.tenant(tenantId), sk: keys.key(id) },
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        { Delete: { TableName, Key: { pk: keys.keyHash(String(found.Item.secretHash)), sk: 'KEYHASH' } } },
      ]);
      // Cancelled only when a concurrent delete got there first: the key is gone either way.
      return result.ok;
    },
  };
}

function toKeyRecord(item: Record<string, unknown>): KeyRecord {
  return {
    id: String(item.id),
    tenantId: String(item.tenantId),
    name: String(item.name),
    scopes: item.scopes as KeyRecord['scopes'],
    servers: (item.servers as string[] | null | undefined) ?? null,
    createdAt: String(item.createdAt),
  };
}
