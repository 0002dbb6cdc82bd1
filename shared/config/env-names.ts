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

/** The instance-type allow-list when the deployment sets none; the first is the default. */
export const DEFAULT_INSTANCE_TYPES = ['t3.medium', 't3a.medium', 't3.large'] as const;
