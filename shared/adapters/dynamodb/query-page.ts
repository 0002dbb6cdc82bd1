import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../../services/ports.ts';
import { cursors } from './keys.ts';

export interface PageQuery<T> {
  readonly tableName: string;
  readonly pk: string;
  /** The sort-key prefix of the item kind listed (`SERVER#`, `KEY#`, `EVENT#`). */
  readonly prefix: string;
  readonly toItem: (raw: Record<string, unknown>) => T;
}

/**
 * One page of a partition's items, newest (highest sort key) first. Asking for one item more
 * than the page tells whether a next page exists, so the last page has no dangling cursor.
 */
export async function queryPage<T>(
  client: DynamoDBDocumentClient,
  request: PageRequest,
  { tableName, pk, prefix, toItem }: PageQuery<T>,
): Promise<Page<T>> {
  const start = request.cursor ? cursors.decode(request.cursor, prefix) : undefined;
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ScanIndexForward: false,
      Limit: request.limit + 1,
      ...(start ? { ExclusiveStartKey: { pk, sk: start } } : {}),
    }),
  );
  const raw = result.Items ?? [];
  const items = raw.slice(0, request.limit);
  const last = items.at(-1);
  const nextCursor = raw.length > request.limit && last ? cursors.encode(String(last.sk)) : null;
  return { items: items.map(toItem), nextCursor };
}
