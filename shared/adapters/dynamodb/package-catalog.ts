import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PackageCatalog, PackageSummary } from '../../services/ports.ts';
import { keys } from './keys.ts';

/** Reads package items (written by the packages flow) for the server routes' checks. */
export function createPackageCatalog(client: DynamoDBDocumentClient, tableName: string): PackageCatalog {
  return {
    async find(tenantId, id) {
      const result = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: keys.tenant(tenantId), sk: keys.package(id) } }),
      );
      const item = result.Item;
      return item ? ({ id: item.id, game: item.game, state: item.state } as PackageSummary) : null;
    },
  };
}
