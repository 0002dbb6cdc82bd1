import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '../../shared/adapters/dynamodb/table-design.ts';
import { ENV } from '../../shared/config/env-names.ts';
import type { BucketAccess, TableAccess } from '../../shared/http/routes.ts';
import { acknowledgeWildcard } from '../nag.ts';

/** Entries in the route table are relative to the repository root, whatever the CLI's working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE_CLI = 'infra/bundling/bundle-cli.ts';

/** What each table access allows: the operations the adapters use (a transaction needs its parts' actions). */
const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:Query'];
const TABLE_ACTIONS: Record<'read' | 'readWrite', string[]> = {
  read: TABLE_READ,
  readWrite: [...TABLE_READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

/**
 * What each bucket access allows (`adapters/s3/package-storage.ts`: GET, HEAD, PUT with a copy
 * source, DELETE, and presigned GET and PUT). ListBucket only makes a HEAD of a missing key
 * answer 404 rather than 403; it reveals key names to nobody but the function.
 */
const BUCKET_OBJECT_ACTIONS: Record<'read' | 'readWrite', string[]> = {
  read: ['s3:GetObject'],
  readWrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
};

export interface ConvoyFunctionProps {
  /** The handler file, relative to the repository root (as written in the route table). */
  readonly entry: string;
  /**
   * The table the function works on; its name is passed in the environment.
   * @default - no table
   */
  readonly table?: ITable;
  /**
   * What the function may do to `table`.
   * @default 'none' - the function gets no table permissions
   */
  readonly tableAccess?: TableAccess;
  /**
   * The package bucket; its name reaches the function only with bucket access.
   * @default - no bucket
   */
  readonly bucket?: IBucket;
  /**
   * What the function may do to `bucket`.
   * @default 'none' - the function gets no bucket permissions
   */
  readonly bucketAccess?: BucketAccess;
  /**
   * The deployed version, reported by the function.
   * @default - unset; the code reports its development version
   */
  readonly version?: string;
  /**
   * Extra environment variables.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
}

/**
 * Every Lambda function of the project, with the one set of defaults: Node.js 24 on arm64, one
 * minified ES module bundle that includes the AWS SDK (see `bundleLambda`), source-mapped stack
 * traces, X-Ray tracing, a log group that expires, and a role of its own that may write to that
 * group and do what its props grant, nothing more (no managed policy).
 */
export class ConvoyFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ConvoyFunctionProps) {
    super(scope, id);
    const { table, tableAccess = 'none', bucket, bucketAccess = 'none' } = props;
    if (bucketAccess !== 'none' && !bucket) {
      throw new Error(`${this.node.path}: bucketAccess '${bucketAccess}' needs a bucket`);
    }
    if (tableAccess !== 'none' && !table) {
      throw new Error(`${this.node.path}: tableAccess '${tableAccess}' needs a table`);
    }

    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      // The group's name is generated, so a retained group would only be orphaned on stack deletion.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Rather than AWSLambdaBasicExecutionRole (logs:CreateLogGroup and PutLogEvents on every
    // group of the account): this function's own group only.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(this.role);
    acknowledgeWildcard(
      this,
      '*',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions, ' +
        'so `*` is their only resource (as for ec2:DescribeInstances, in the functions given it).',
    );

    this.function = new LambdaFunction(this, 'Function', {
      code: bundledCode(props.entry),
      handler: 'index.handler',
      role: this.role,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'convoy-cloud',
        ...(table && { [ENV.tableName]: table.tableName }),
        ...(props.version && { [ENV.version]: props.version }),
        ...(bucket && bucketAccess !== 'none' && { [ENV.bucketName]: bucket.bucketName }),
        ...props.environment,
      },
    });

    if (table && tableAccess !== 'none') {
      // Named actions rather than CDK's grantReadData/grantReadWriteData: those include Scan,
      // and no function of ours scans (request paths use Query and Get, the reaper pages an index).
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: TABLE_ACTIONS[tableAccess],
          resources: [
            table.tableArn,
            ...Object.values(TABLE_DESIGN.indexes).map(
              (index) => `${table.tableArn}/index/${index.indexName}`,
            ),
          ],
        }),
      );
    }
    // Presigned URLs carry the signer's permissions: a function can hand out no more than it holds.
    if (bucket && bucketAccess !== 'none') {
      const objects = bucket.arnForObjects('*');
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: BUCKET_OBJECT_ACTIONS[bucketAccess], resources: [objects] }),
      );
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
      );
      acknowledgeWildcard(
        this,
        objects,
        'Package files: keys are made per tenant and package at run time, the bucket holds nothing else, ' +
          "and the actions are the storage adapter's exact ones.",
      );
    }
  }
}

/**
 * The entry bundled by `bundleLambda` (in a child process: CDK bundles synchronously, esbuild's
 * plugins run only asynchronously). The asset is hashed by its output, so the repository root is
 * never fingerprinted, and a stack left out of bundling (`aws:cdk:bundling-stacks`) costs nothing.
 */
function bundledCode(entry: string): Code {
  return Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never used: local bundling either succeeds or throws.
      image: Runtime.NODEJS_24_X.bundlingImage,
      // CDK caches bundles by their options; without the entry among them, every function of a
      // synthesis would get the first one's bundle.
      command: ['bundle', entry],
      local: {
        tryBundle(outputDir) {
          execFileSync(process.execPath, ['--import', 'tsx', BUNDLE_CLI, entry, outputDir], {
            cwd: REPO_ROOT,
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          return true;
        },
      },
    },
  });
}
