/**
 * The tenant's usage summary item as a start reads it (the run counters kept by the server
 * writes, and the budget). Its writer (`writeBudget`) lives in `usage-repository.ts`, out of the
 * lifecycle's bundles. The webhook dispatcher watches the same item for the 80 % budget warning.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BudgetStatus } from '../../domain/run.ts';
import { budgetStatus, budgetWarningDue } from '../../domain/run.ts';
import type { BudgetWatch, Clock } from '../../services/ports.ts';
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

/**
 * The 80 % warning's read and its once-a-month mark, which holds only while the budget is the one
 * the warning was computed for (a budget set meanwhile removes the mark and decides anew).
 */
export function createBudgetWatch(
  client: DynamoDBDocumentClient,
  tableName: string,
  clock: Clock,
): BudgetWatch {
  return {
    async due(tenantId) {
      const result = await client.send(
        new GetCommand({ TableName: tableName, Key: summaryKeyOf(tenantId), ConsistentRead: true }),
      );
      return budgetWarningDue(result.Item, clock.now());
    },
    async markWarned(tenantId, warning) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: summaryKeyOf(tenantId),
            UpdateExpression: 'SET budgetWarned = :month',
            ConditionExpression: 'monthlyUsd = :usd',
            ExpressionAttributeValues: { ':month': warning.month, ':usd': warning.monthlyUsd },
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}
