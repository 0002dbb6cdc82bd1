/** Environment variable names, shared by the CDK app (which sets them) and the code (which reads them). */
export const ENV = {
  tableName: 'CONVOY_TABLE_NAME',
  /** Set only in local mode and tests: the DynamoDB Local endpoint. */
  dynamodbEndpoint: 'CONVOY_DYNAMODB_ENDPOINT',
  /** Comma-separated allow-list of EC2 instance types; the first is the default. */
  instanceTypes: 'CONVOY_INSTANCE_TYPES',
  version: 'CONVOY_VERSION',
  /** `true` in local mode (`npm start`). */
  local: 'CONVOY_LOCAL',
} as const;
