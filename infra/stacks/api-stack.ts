import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { GameHosts } from '../constructs/game-hosts.ts';
import { ConvoyHttpApi } from '../constructs/http-api.ts';

export interface ApiStackProps extends StackProps {
  readonly table: ITable;
  /**
   * The game hosts, for the functions whose route grants `hosts` access.
   * @default - no route may touch hosts
   */
  readonly hosts?: GameHosts;
  /** The mod package bucket, for the functions whose route grants `bucket` access. */
  readonly bucket: IBucket;
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
      bucket: props.bucket,
      instanceTypes: props.instanceTypes,
      hosts: props.hosts,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.api.apiEndpoint });
  }
}
