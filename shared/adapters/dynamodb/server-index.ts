/**
 * The EC2 sync's lookups over the sparse indexes: a server by its instance, and every active
 * server. Index reads are eventually consistent, so each hit is read again from the table
 * (consistently) before anyone decides on it: the version must be the current one.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ServerIndex, ServerRepository } from '../../services/ports.ts';
import { ACTIVE_SHARDS, TABLE_DESIGN } from './table-design.ts';

export interface ServerIndexOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** For the consistent re-read of each hit. */
  readonly servers: Pick<ServerRepository, 'get'>;
}

export function createServerIndex({ client, tableName, servers }: ServerIndexOptions): ServerIndex {
  const { active, byInstance } = TABLE_DESIGN.indexes;

  return {
    async findByInstance(instanceId) {
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: byInstance.indexName,
          KeyConditionExpression: '#i = :i',
          ExpressionAttributeNames: { '#i': byInstance.partitionKey, '#t': 'tenantId', '#id': 'id' },
          ExpressionAttributeValues: { ':i': instanceId },
          ProjectionExpression: '#t, #id',
          Limit: 1,
        }),
      );
      const hit = result.Items?.[0];
      if (!hit) return null;
      const server = await servers.get(String(hit.tenantId), String(hit.id));
      return server?.instanceId === instanceId ? server : null;
    },

    async *active() {
      for (let shard = 0; shard < ACTIVE_SHARDS; shard++) {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: active.indexName,
              KeyConditionExpression: '#s = :s',
              ExpressionAttributeNames: { '#s': active.partitionKey, '#t': 'tenantId', '#id': 'id' },
              ExpressionAttributeValues: { ':s': `ACTIVE#${shard}` },
              ProjectionExpression: '#t, #id',
              ExclusiveStartKey: start,
            }),
          );
          for (const hit of page.Items ?? []) {
            const server = await servers.get(String(hit.tenantId), String(hit.id));
            if (server) yield server;
          }
          start = page.LastEvaluatedKey;
        } while (start);
      }
    },
  };
}
