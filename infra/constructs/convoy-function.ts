import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.ts';
import type { BucketAccess, TableAccess } from '../../shared/http/routes.ts';
import { LAMBDA_BUNDLING } from '../lambda-bundling.ts';

/** Entries in the route table are relative to the repository root, whatever the CLI's working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

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
 * Every Lambda function of the project, with the one set of defaults: Node.js 22 on arm64, one
 * minified ES module bundle that includes the AWS SDK (see `LAMBDA_BUNDLING`), source-mapped stack traces, X-Ray tracing and a log group that expires.
 */
export class ConvoyFunction extends Construct {
  readonly function: NodejsFunction;

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

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${REPO_ROOT}${props.entry}`,
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
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
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLING.target,
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: true,
        // Stack traces need only the mappings; embedded sources would bloat every asset.
        sourcesContent: false,
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        banner: LAMBDA_BUNDLING.banner,
      },
    });

    switch (tableAccess) {
      case 'read':
        table?.grantReadData(this.function);
        break;
      case 'readWrite':
        table?.grantReadWriteData(this.function);
        break;
      case 'none':
        break;
    }
    // Presigned URLs carry the signer's permissions: a function can hand out no more than it holds.
    switch (bucketAccess) {
      case 'read':
        bucket?.grantRead(this.function);
        break;
      case 'readWrite':
        bucket?.grantReadWrite(this.function);
        bucket?.grantDelete(this.function);
        break;
      case 'none':
        break;
    }
  }
}
