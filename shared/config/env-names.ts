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
  /** Set only in local mode and tests: the EC2 stand-in's endpoint. */
  ec2Endpoint: 'CONVOY_EC2_ENDPOINT',
  /** The launch template every game host is launched from (`lt-...`). */
  launchTemplateId: 'CONVOY_LAUNCH_TEMPLATE_ID',
  /** This deployment's name: the value of the deployment tag on its hosts (IAM conditions on it). */
  deployment: 'CONVOY_DEPLOYMENT',
  /** Seconds a server may stay `starting`/`stopping` before the sync calls it an error. */
  hostTimeoutSeconds: 'CONVOY_HOST_TIMEOUT_S',
  /** The bucket holding mod package files; set only on the functions granted access to it. */
  bucketName: 'CONVOY_BUCKET_NAME',
  /** Set only in local mode and tests: the S3 stand-in's endpoint. */
  s3Endpoint: 'CONVOY_S3_ENDPOINT',
  /** The game hosts' IAM role name: the host routes serve only callers signing as this role. */
  hostRoleName: 'CONVOY_HOST_ROLE_NAME',
  /** Where a new game host downloads the agent bundle (its S3 object's https URL); set on the functions that launch. */
  agentUrl: 'CONVOY_AGENT_URL',
  /** Hex SHA-256 of the agent bundle, pinned in the bootstrap. */
  agentSha256: 'CONVOY_AGENT_SHA256',
  /** The HTTP API's base URL, which game hosts call for their bundle and heartbeats. */
  apiUrl: 'CONVOY_API_URL',
  /** The operator's price table for usage estimates (JSON, `PriceTableSchema`); set on the usage functions. */
  prices: 'CONVOY_PRICES',
} as const;

/** The instance-type allow-list when the deployment sets none; the first is the default. */
export const DEFAULT_INSTANCE_TYPES = ['t3.medium', 't3a.medium', 't3.large'] as const;
