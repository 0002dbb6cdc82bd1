import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** Why each item of a cancelled transaction failed, in order (`None` for items that were fine). */
export type CancellationCodes = readonly string[];

const CONFLICT_RETRIES = 8;

/**
 * Runs a write transaction. A cancellation caused only by another transaction in flight on the
 * same items (`TransactionConflict`) is retried with jittered backoff, since the SDK does not;
 * any other cancellation comes back as its per-item codes for the caller to interpret.
 */
export async function transactWrite(
  client: DynamoDBDocumentClient,
  items: TransactItems,
): Promise<{ ok: true } | { ok: false; codes: CancellationCodes }> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      const onlyConflicts =
        codes.some((c) => c === 'TransactionConflict') &&
        codes.every((c) => c === 'TransactionConflict' || c === 'None');
      if (!onlyConflicts) return { ok: false, codes };
      if (attempt >= CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** Math.min(attempt, 4)));
    }
  }
}
