/**
 * The tenant's usage summary item as a start reads it (the run counters kept by the server
 * writes, and the budget). Its writer (`writeBudget`) lives in `usage-repository.ts`, out of the
 * lifecycle's bundles.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { BudgetStatus } from '../../domain/run.ts';
import { budgetStatus } from '../../domain/run.ts';
import type { Clock } from '../../services/ports.ts';
import { keys } from './keys.ts';

export const summaryKeyOf = (tenantId: string) => ({ pk: keys.tenant(tenantId), sk: keys.usageSummary() });

/** The budget check of a start: one consistent GetItem. */
export function createBudgetReader(client: DynamoDBDocumentClient, tableName: string, clock: Clock) {
  return async (tenantId: string): Promise<BudgetStatus | null> => {
    const result = await client.send(
      new GetCommand({ TableName: tableName, Key: summaryKeyOf(tenantId), ConsistentRead: true }),
    );
    return budgetStatus(result.Item, clock.now());
  };
}
