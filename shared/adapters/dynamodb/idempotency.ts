/**
 * Idempotency records (`TENANT#t` / `IDEMPOTENCY#key`), shared by every create that honours
 * `Idempotency-Key`: a record is written in the same transaction as what it protects, so a
 * concurrent retry loses the condition cleanly and replays the winner's response.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord } from '../../services/ports.ts';
import { epochSeconds, keys } from './keys.ts';

const IDEMPOTENCY_HOURS = 24;

/** The transaction item that stores `record`, failing if the key is taken and unexpired. */
export function idempotencyPut(tableName: string, tenantId: string, record: IdempotencyRecord, now: Date) {
  return {
    Put: {
      TableName: tableName,
      Item: {
        pk: keys.tenant(tenantId),
        sk: keys.idempotency(record.key),
        entity: 'idempotency',
        ...record,
        expiresAt: epochSeconds(new Date(now.getTime() + IDEMPOTENCY_HOURS * 3_600_000)),
      },
      // An expired record may linger (TTL deletes late, stand-ins never): it no longer counts.
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': epochSeconds(now) },
    },
  };
}

export async function readIdempotencyRecord(
  client: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  key: string,
  now: Date,
): Promise<IdempotencyRecord | null> {
  const result = await client.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: keys.tenant(tenantId), sk: keys.idempotency(key) },
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item || Number(item.expiresAt) < epochSeconds(now)) return null;
  return {
    key: item.key,
    fingerprint: item.fingerprint,
    status: item.status,
    body: item.body,
  } as IdempotencyRecord;
}
