import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DataTable } from '../constructs/data-table.ts';
import { PackageBucket } from '../constructs/package-bucket.ts';

/** Stateful resources only, so the stateless stacks can be replaced or destroyed without risk to data. */
export class DataStack extends Stack {
  readonly table: ITable;
  readonly bucket: IBucket;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.table = new DataTable(this, 'Table').table;
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    this.bucket = new PackageBucket(this, 'Packages').bucket;
    new CfnOutput(this, 'PackageBucketName', { value: this.bucket.bucketName });
  }
}
