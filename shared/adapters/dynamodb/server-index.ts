/**
 * The lookups over the sparse indexes: a server by its instance, and every active server.
 * Index reads are eventually consistent, so for the EC2 sync each hit is read again from the
 * table (consistently) before anyone decides on it. The idle reaper's `activePages` takes the
 * index's items as they are (see there).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ServerIndex, ServerRepository } from '../../services/ports.ts';
import { toServerRecord } from './server-repository.ts';
import { ACTIVE_SHARDS, TABLE_DESIGN } from './table-design.ts';

/** Servers per Query page of `activePages`: small enough that work starts early. */
const ACTIVE_PAGE_SIZE = 500;

export interface ServerIndexOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** For the consistent re-read of each hit. */
  readonly servers: Pick<ServerRepository, 'get'>;
  /** Servers per Query page of `activePages`. @default 500 */
  readonly activePageSize?: number;
}

export function createServerIndex({
  client,
  tableName,
  servers,
  activePageSize = ACTIVE_PAGE_SIZE,
}: ServerIndexOptions): ServerIndex {
  const { active, byInstance } = TABLE_DESIGN.indexes;

  /** The Query pages of one shard of the active index: its items, or only their keys. */
  async function* shardPages(
    shard: number,
    { keysOnly = false, limit }: { keysOnly?: boolean; limit?: number },
  ): AsyncGenerator<Record<string, unknown>[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: active.indexName,
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: {
            '#s': active.partitionKey,
            ...(keysOnly ? { '#t': 'tenantId', '#id': 'id' } : {}),
          },
          ExpressionAttributeValues: { ':s': `ACTIVE#${shard}` },
          ...(keysOnly ? { ProjectionExpression: '#t, #id' } : {}),
          ...(limit ? { Limit: limit } : {}),
          ExclusiveStartKey: start,
        }),
      );
      yield page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  }

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
        for await (const hits of shardPages(shard, { keysOnly: true })) {
          for (const hit of hits) {
            const server = await servers.get(String(hit.tenantId), String(hit.id));
            if (server) yield server;
          }
        }
      }
    },

    async *activePages() {
      // Whole items straight from the index (it projects them all): no read per server. They
      // are eventually consistent, which is enough to decide on with writes conditional on
      // their version; a stop re-reads the server consistently before it is written.
      // From a random shard on: a tick cut short by its deadline leaves other servers for the next.
      const first = Math.floor(Math.random() * ACTIVE_SHARDS);
      for (let n = 0; n < ACTIVE_SHARDS; n++) {
        for await (const items of shardPages((first + n) % ACTIVE_SHARDS, { limit: activePageSize })) {
          const page = items.map(toServerRecord);
          if (page.length) yield page;
        }
      }
    },
  };
}
