import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WEBHOOK_ENV } from '../../shared/config/webhook-env.ts';
import { DELIVERY_MAX_RECEIVES, WEBHOOK_FUNCTIONS } from '../../shared/runtime/webhook-functions.ts';
import { ConvoyFunction } from './convoy-function.ts';

export interface WebhookDeliveryProps {
  /** The table, with its stream (new and old images) turned on. */
  readonly table: ITable;
  /** @default - the code reports its development version */
  readonly version?: string;
}

/**
 * Lifecycle webhooks: the table's stream (server and package items only, by filter) drives the
 * dispatcher, which queues one message per subscribed webhook; the deliverer takes them off the
 * queue, one try each, and queues its own retries with their backoff as delayed messages. The
 * dead-letter queue receives what could not be handled at all (a message that failed
 * `DELIVERY_MAX_RECEIVES` times, a stream batch that kept failing), and raises an alarm.
 */
export class WebhookDelivery extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly dispatcher: ConvoyFunction;
  readonly deliverer: ConvoyFunction;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const delivererTimeout = Duration.seconds(30);
    this.queue = new Queue(this, 'Deliveries', {
      // Above six times the deliverer's timeout, as AWS advises for a Lambda source.
      visibilityTimeout: Duration.seconds(delivererTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(1),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: DELIVERY_MAX_RECEIVES },
    });
    const environment = { [WEBHOOK_ENV.queueUrl]: this.queue.queueUrl };

    this.dispatcher = new ConvoyFunction(this, WEBHOOK_FUNCTIONS.dispatch.name, {
      entry: WEBHOOK_FUNCTIONS.dispatch.entry,
      table: props.table,
      // Reads the tenant's webhooks and usage summary; the stream read is granted by the event source.
      tableAccess: 'read',
      ...(props.version ? { version: props.version } : {}),
      environment,
      timeout: Duration.seconds(30),
    });
    this.queue.grantSendMessages(this.dispatcher.function);
    // Marks the month's budget warning sent on the tenant's usage summary (an UpdateItem only).
    this.dispatcher.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [props.table.tableArn] }),
    );
    this.dispatcher.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 5,
        onFailure: new SqsDlq(this.deadLetters),
        // Only writes of servers and packages can be lifecycle events: other items never invoke it.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { NewImage: { entity: { S: FilterRule.or('server', 'package') } } },
          }),
        ],
      }),
    );

    this.deliverer = new ConvoyFunction(this, WEBHOOK_FUNCTIONS.deliver.name, {
      entry: WEBHOOK_FUNCTIONS.deliver.entry,
      table: props.table,
      // Reads the webhook and its secret; writes the attempt records.
      tableAccess: 'readWrite',
      ...(props.version ? { version: props.version } : {}),
      environment,
      timeout: delivererTimeout,
    });
    // Consuming (granted by the event source) and sending: the deliverer queues its own retries.
    this.queue.grantSendMessages(this.deliverer.function);
    this.deliverer.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // A burst of events must not open hundreds of connections to one receiver at once.
        maxConcurrency: 5,
      }),
    );

    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription:
        'Convoy webhooks: deliveries or stream batches could not be handled (see the dead-letter queue)',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
