/** Helpers for integration tests: the real adapters against the run's DynamoDB Local. */
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureTable } from '../../local/table.ts';
import { createDocumentClient, createDynamoDbClient } from '../../shared/adapters/aws-clients.ts';

const REGION = 'us-east-1';

export interface TestTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** A new table, shaped as in production and named uniquely, so test files never see each other's items. */
export async function createTestTable(): Promise<TestTable> {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = `test-${randomBytes(6).toString('hex')}`;
  const admin = createDynamoDbClient({ region: REGION, endpoints: { dynamodb: endpoint } });
  try {
    await ensureTable(admin, tableName);
  } finally {
    admin.destroy();
  }
  return { client: createDocumentClient({ region: REGION, endpoints: { dynamodb: endpoint } }), tableName };
}
