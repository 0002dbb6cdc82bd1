// The baseline for bundle size and cold import: a handler that only imports the DynamoDB client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const client = new DynamoDBClient({});
export const handler = async () => client.config.serviceId;
