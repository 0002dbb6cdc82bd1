import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PENDING_HOURS, UPLOAD_PREFIX } from '../../shared/domain/package.ts';
import { acknowledgeRule } from '../nag.ts';

export interface PackageBucketProps {
  /**
   * Origins allowed to upload from a browser (CORS).
   * @default ['*'] - any origin: uploads need a presigned URL, which only the API hands out
   */
  readonly allowedOrigins?: readonly string[];
}

/**
 * Mod package files. Private (public access blocked, TLS only, S3-managed encryption); clients
 * upload and hosts download only through short-lived presigned URLs. Versioned and retained:
 * it is state, like the table. Uploads never finalized expire with their pending package.
 */
export class PackageBucket extends Construct {
  readonly bucket: IBucket;
  /** S3 server access logs of the package bucket: who read, wrote or deleted which file. */
  readonly accessLogs: IBucket;

  constructor(scope: Construct, id: string, props: PackageBucketProps = {}) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // S3's log delivery writes as the bucket owner's (no ACLs).
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(90) }],
    });
    acknowledgeRule(
      this.accessLogs,
      'S1',
      'This is the access-log bucket of the package bucket; logging it too would log the logging.',
    );
    this.bucket = new Bucket(this, 'Resource', {
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'packages/',
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'abandoned-uploads',
          prefix: UPLOAD_PREFIX,
          // Lifecycle works in whole days; a pending package lives PENDING_HOURS (24 h).
          expiration: Duration.days(Math.ceil(PENDING_HOURS / 24)),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // Versioning guards against a bad delete for a while, not forever.
        {
          id: 'old-versions',
          noncurrentVersionExpiration: Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
      ],
      cors: [
        {
          allowedMethods: [HttpMethods.PUT],
          allowedOrigins: [...(props.allowedOrigins ?? ['*'])],
          allowedHeaders: ['content-type', 'content-length'],
          maxAge: 3000,
        },
      ],
    });
  }
}
