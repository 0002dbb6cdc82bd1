/** Closed runs and deleted servers' volume lives, in their tenant's partition by end time. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BudgetPrices, UsageInterval } from '../../domain/run.ts';
import type { UsageRepository } from '../../services/ports.ts';
import { keys } from './keys.ts';
import { summaryKeyOf } from './usage-summary.ts';

export function createUsageRepository(client: DynamoDBDocumentClient, tableName: string): UsageRepository {
  return {
    async closed(tenantId, from, before, serverId) {
      const found: UsageInterval[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            // Sort keys from the window's start to the end of the USAGE# prefix ('$' follows '#').
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :last',
            FilterExpression: `startedAt < :before${serverId ? ' AND serverId = :server' : ''}`,
            ExpressionAttributeValues: {
              ':pk': keys.tenant(tenantId),
              ':from': `USAGE#${from.toISOString()}`,
              ':last': 'USAGE$',
              ':before': before.toISOString(),
              ...(serverId ? { ':server': serverId } : {}),
            },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of result.Items ?? []) found.push(toInterval(item));
        start = result.LastEvaluatedKey;
      } while (start);
      return found;
    },
  };
}

function toInterval(item: Record<string, unknown>): UsageInterval {
  return {
    kind: item.kind === 'volume' ? 'volume' : 'run',
    serverId: String(item.serverId),
    startedAt: String(item.startedAt),
    endedAt: String(item.endedAt),
    ...(typeof item.instanceType === 'string' ? { instanceType: item.instanceType } : {}),
  };
}

/** Sets (with the prices it is checked at) or, with `null`, removes the tenant's monthly budget. */
export async function writeBudget(
  client: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  monthlyUsd: number | null,
  prices: BudgetPrices,
): Promise<void> {
  await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: summaryKeyOf(tenantId),
      ...(monthlyUsd === null
        ? { UpdateExpression: 'REMOVE monthlyUsd, prices, budgetWarned' }
        : {
            // A new budget is warned of at its own 80 %, even in a month warned of already.
            UpdateExpression: 'SET monthlyUsd = :usd, prices = :prices REMOVE budgetWarned',
            ExpressionAttributeValues: { ':usd': monthlyUsd, ':prices': prices },
          }),
    }),
  );
}
