import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { DataTable } from '../constructs/data-table.ts';

/** Stateful resources only, so the stateless stacks can be replaced or destroyed without risk to data. */
export class DataStack extends Stack {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.table = new DataTable(this, 'Table').table;
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }
}
