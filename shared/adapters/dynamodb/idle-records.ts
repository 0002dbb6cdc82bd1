/**
 * The idle reaper's writes: only the runtime fields it observed, in one conditional UpdateItem
 * (no transaction, no event, no new version). Setting the fields one by one, rather than
 * replacing `runtime`, leaves what a heartbeat wrote meanwhile in place.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError } from '../../domain/errors.ts';
import type { IdleRecords } from '../../services/ports.ts';
import { keys } from './keys.ts';

export interface IdleRecordsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export function createIdleRecords({ client, tableName }: IdleRecordsOptions): IdleRecords {
  return {
    async record(server, expectedVersion, changes) {
      const fields = Object.entries(changes).filter(([, value]) => value !== undefined);
      if (fields.length === 0) return;
      const names: Record<string, string> = { '#runtime': 'runtime', '#state': 'state' };
      const values: Record<string, unknown> = {
        ':expected': expectedVersion,
        ':running': 'running',
        ':map': 'M',
      };
      const sets = fields.map(([field, value], i) => {
        names[`#f${i}`] = field;
        values[`:v${i}`] = value;
        return `#runtime.#f${i} = :v${i}`;
      });
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: keys.tenant(server.tenantId), sk: keys.server(server.id) },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression:
              'version = :expected AND #state = :running AND attribute_type(#runtime, :map)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new ConcurrentModificationError(
            `Server ${server.id} changed since version ${expectedVersion}, or is not running.`,
            { cause: error },
          );
        }
        throw error;
      }
    },
  };
}
