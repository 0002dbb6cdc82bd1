/**
 * The one place SDK clients are made. In AWS they use the Lambda's role and region; locally and
 * in tests the same clients point at the loopback stand-ins through `endpoints`.
 */
import { createHash, createHmac } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RuntimeConfig } from '../config/env.ts';

export interface AwsClientOptions {
  readonly region: string;
  readonly endpoints?: {
    readonly dynamodb?: string | undefined;
    readonly ec2?: string | undefined;
    readonly s3?: string | undefined;
  };
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

/** The table's client as every composition root makes it: the configured region and endpoint. */
export const tableClientFor = (
  config: Pick<RuntimeConfig, 'region' | 'dynamodbEndpoint'>,
): DynamoDBDocumentClient =>
  createDocumentClient({ region: config.region, endpoints: { dynamodb: config.dynamodbEndpoint } });

/**
 * EC2 throttles per account (RequestLimitExceeded); the SDK's standard retry mode backs off with
 * jitter on exactly that code, so callers see throttling only once six attempts have failed.
 */
export function createEc2Client({ region, endpoints }: AwsClientOptions): EC2Client {
  const endpoint = endpoints?.ec2;
  return new EC2Client({
    region,
    maxAttempts: 6,
    retryMode: 'standard',
    ...(endpoint ? { endpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
}

/**
 * Checksums only where S3 requires them: the SDK's default (`WHEN_SUPPORTED`) stores streamed
 * uploads with their aws-chunked framing on s3rver and puts an empty-body checksum into
 * presigned URLs that real S3 can then reject. A local endpoint needs path-style addressing.
 */
export function createS3Client({ region, endpoints }: AwsClientOptions): S3Client {
  const endpoint = endpoints?.s3;
  return new S3Client({
    region,
    maxAttempts: 5,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } : {}),
  });
}

/** s3rver knows one key pair and refuses any other key id (it does not check the signature). */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * What the Lambda functions talk to S3 with: a SigV4 signer and the bucket's base URL, used with
 * `fetch` by `adapters/s3/package-storage.ts`. The S3 client (above) with its presigner weighs
 * ~170 KiB and put every package function over the 400 KiB bundle budget (480 KiB measured);
 * the signer is ~10 KiB. Tests and tools keep the full client.
 */
export interface S3Access {
  readonly signer: SignatureV4;
  /** The bucket's URL without a trailing slash: path-style locally, virtual-hosted in AWS. */
  bucketUrl(bucket: string): URL;
}

export function createS3Access({ region, endpoints }: AwsClientOptions): S3Access {
  const endpoint = endpoints?.s3;
  return {
    signer: new SignatureV4({
      service: 's3',
      region,
      // A Lambda's role credentials are in its environment; the stand-in takes its own pair.
      credentials: endpoint ? S3RVER_CREDENTIALS : fromEnv(),
      sha256: NodeSha256,
      // S3 signs the path as sent, without the second encoding other services expect.
      uriEscapePath: false,
    }),
    bucketUrl: (bucket) =>
      endpoint
        ? new URL(`${endpoint.replace(/\/+$/, '')}/${bucket}`)
        : new URL(`https://${bucket}.s3.${region}.amazonaws.com`),
  };
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer expects. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
