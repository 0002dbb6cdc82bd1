/**
 * The one place SDK clients are made. In AWS they use the Lambda's role and region; locally and
 * in tests the same clients point at the loopback stand-ins through `endpoints`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClientOptions {
  readonly region: string;
  readonly endpoints?: { readonly dynamodb?: string | undefined };
}

/** Stand-ins check that credentials exist, not what they are. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createDynamoDbClient({ region, endpoints }: AwsClientOptions): DynamoDBClient {
  const endpoint = endpoints?.dynamodb;
  return new DynamoDBClient({
    region,
    maxAttempts: 5,
    ...(endpoint ? { endpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
}

export function createDocumentClient(options: AwsClientOptions): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoDbClient(options), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
