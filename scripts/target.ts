/**
 * Where an operator CLI works: the running local stack (found through
 * $CONVOY_DATA_DIR/endpoints.json), or a deployed table given as `--table NAME [--region R]`
 * with the caller's AWS credentials.
 */
import { dataDir, endpointsFile, readEndpoints } from '../local/endpoints.ts';
import { createDocumentClient } from '../shared/adapters/aws-clients.ts';

/** A mistake in the command line: printed with the usage. */
export class UsageError extends Error {}

export async function target(table: string | undefined, region: string | undefined) {
  if (table) {
    const resolvedRegion = region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!resolvedRegion) throw new UsageError('--table needs --region (or AWS_REGION) for a deployed stack');
    return {
      client: createDocumentClient({ region: resolvedRegion }),
      tableName: table,
      where: `table ${table}`,
    };
  }
  const endpoints = await readEndpoints();
  if (!endpoints) {
    throw new UsageError(
      `no local stack is running (${endpointsFile(dataDir())} is missing): start it with npm start, ` +
        'or pass --table <name> --region <region> for a deployed stack',
    );
  }
  return {
    client: createDocumentClient({ region: 'us-east-1', endpoints: { dynamodb: endpoints.dynamodb } }),
    tableName: endpoints.table,
    where: `the local stack at ${endpoints.api}`,
  };
}
