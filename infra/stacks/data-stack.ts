import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DataTable } from '../constructs/data-table.ts';
import { PackageBucket } from '../constructs/package-bucket.ts';

/** How another stack names the package bucket: through exports of this stack, under names of ours. */
export interface BucketExport {
  readonly bucketArn: string;
  readonly bucketName: string;
}

/** Stateful resources only, so the stateless stacks can be replaced or destroyed without risk to data. */
export class DataStack extends Stack {
  readonly table: ITable;
  readonly bucket: IBucket;
  /**
   * The bucket for the API stack. Named exports rather than CDK's generated ones, because the
   * functions' object permissions (`<arn>/*`) are acknowledged to cdk-nag by how the template
   * spells them, and a name of ours stays put.
   */
  readonly bucketExport: BucketExport;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.table = new DataTable(this, 'Table').table;
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    this.bucket = new PackageBucket(this, 'Packages').bucket;
    new CfnOutput(this, 'PackageBucketName', { value: this.bucket.bucketName });
    this.bucketExport = {
      bucketArn: this.exportValue(this.bucket.bucketArn, { name: `${this.stackName}-PackageBucketArn` }),
      bucketName: this.exportValue(this.bucket.bucketName, { name: `${this.stackName}-PackageBucketName` }),
    };
  }
}
