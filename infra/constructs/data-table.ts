import { RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '../../shared/adapters/dynamodb/table-design.ts';

const stringKey = (name: string) => ({ name, type: AttributeType.STRING });

/**
 * The single table, keyed as `TABLE_DESIGN` says so the CDK and the local runtime create the same
 * shape. It holds every server, key and package: losing it loses the deployment, hence deletion
 * protection, point-in-time recovery and a retain policy.
 */
export class DataTable extends Construct {
  readonly table: ITable;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { indexes } = TABLE_DESIGN;
    this.table = new TableV2(this, 'Resource', {
      partitionKey: stringKey(TABLE_DESIGN.partitionKey),
      sortKey: stringKey(TABLE_DESIGN.sortKey),
      // Traffic follows players' evenings and weekends; provisioned capacity would sit idle.
      billing: Billing.onDemand(),
      timeToLiveAttribute: TABLE_DESIGN.timeToLiveAttribute,
      // Server and package changes, with both images, feed the webhook dispatcher (an outbox kept by the table).
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: TableEncryptionV2.awsManagedKey(),
      globalSecondaryIndexes: [indexes.active, indexes.byInstance].map((index) => ({
        indexName: index.indexName,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        // Readers use whole server items from both indexes; projecting ALL saves a second read.
        projectionType: ProjectionType.ALL,
      })),
    });
  }
}
