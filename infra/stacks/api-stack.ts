import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { ConvoyHttpApi } from '../constructs/http-api.ts';

export interface ApiStackProps extends StackProps {
  readonly table: ITable;
  /**
   * The EC2 instance types a server may use; the first is the default for new servers.
   * @default - the API construct's default list
   */
  readonly instanceTypes?: readonly string[];
}

/** Stateless compute: safe to destroy and redeploy, since everything it remembers lives in the data stack. */
export class ApiStack extends Stack {
  readonly httpApi: ConvoyHttpApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.httpApi = new ConvoyHttpApi(this, 'Http', {
      table: props.table,
      instanceTypes: props.instanceTypes,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.api.apiEndpoint });
  }
}
