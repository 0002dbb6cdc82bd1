import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Operation } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DELIVERY_OUTCOMES,
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  STOP_REASONS,
} from '../../shared/domain/metrics.ts';
import { acknowledgeRule } from '../nag.ts';

export interface MonitoringProps {
  readonly api: HttpApi;
  readonly table: ITable;
  /** The functions no route invokes, by job name: their errors reach nobody else. */
  readonly jobs: ReadonlyMap<string, IFunction>;
  /** The idle reaper's function, graphed beside its own metrics. */
  readonly reaper?: IFunction;
  /** The webhook queue and its dead letters, graphed. */
  readonly deliveries: { readonly queue: IQueue; readonly deadLetters: IQueue };
  /** Alarms made elsewhere (the reaper's, the webhook dead letters') that page too. */
  readonly alarms: readonly Alarm[];
  /**
   * Who is paged: an email subscription to the alarm topic (confirmed from the first message).
   * @default - the topic has no subscriber; subscribe a pager to it
   */
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/** A metric the functions emit (`shared/domain/metrics.ts`), with the `service` dimension they carry. */
export function convoyMetric(
  name: (typeof METRIC)[keyof typeof METRIC],
  options: {
    dimensions?: Record<string, string>;
    statistic?: string;
    period?: Duration;
    label?: string;
  } = {},
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS_SERVICE, ...options.dimensions },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? FIVE_MINUTES,
    ...(options.label ? { label: options.label } : {}),
  });
}

/**
 * What an operator watches: one SNS topic every alarm pages through, the alarms that mean
 * someone's convoy is at risk (API failing, starts failing or slow, jobs failing, the table
 * throttling), and one CloudWatch dashboard of the API, the servers' lifecycle, the idle reaper,
 * webhooks and the table. The metrics are the embedded ones the functions log (namespace
 * `ConvoyCloud`) and AWS's own.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  /** Every alarm made here, by id. */
  readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', { displayName: 'Convoy Cloud alarms', enforceSSL: true });
    acknowledgeRule(
      this.topic,
      'SNS2',
      'Alarm notifications carry alarm names and states, no secrets; CloudWatch cannot publish to a topic ' +
        'under the AWS-managed SNS key, and a customer key would add a monthly charge for nothing to protect.',
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const page = new SnsAction(this.topic);

    const alarms = new Map<string, Alarm>();
    const alarm = (
      name: string,
      description: string,
      metric: IMetric,
      threshold: number,
      options: { evaluationPeriods?: number; comparison?: ComparisonOperator } = {},
    ) => {
      const made = new Alarm(this, name, {
        alarmDescription: `Convoy: ${description}`,
        metric,
        threshold,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      made.addAlarmAction(page);
      alarms.set(name, made);
      return made;
    };

    alarm(
      'ApiServerErrors',
      'the API answers 5xx (see the failing function’s logs: "request failed")',
      props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      5,
    );
    alarm(
      'StartsFailing',
      'servers go to error when started (capacity, bootstrap, logon token): see the lifecycle events',
      convoyMetric(METRIC.serverErrors, { period: Duration.minutes(30) }),
      3,
    );
    alarm(
      'StartsSlow',
      'servers take over 15 minutes from start to ready (p90 over an hour): a game update or SteamCMD trouble',
      convoyMetric(METRIC.startToReady, { statistic: 'p90', period: Duration.hours(1) }),
      15 * 60,
      { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    alarm(
      'WebhooksUnhandled',
      'webhook deliveries cannot be handled at all (not a receiver failing): see webhooks-deliver',
      convoyMetric(METRIC.webhookDeliveries, { dimensions: { Outcome: 'unhandled' } }),
      3,
    );
    alarm(
      'TableThrottled',
      'the table throttles requests (on-demand limits or a hot partition)',
      props.table.metricThrottledRequestsForOperations({
        operations: [
          Operation.GET_ITEM,
          Operation.QUERY,
          Operation.PUT_ITEM,
          Operation.UPDATE_ITEM,
          Operation.DELETE_ITEM,
          Operation.TRANSACT_WRITE_ITEMS,
        ],
        period: FIVE_MINUTES,
      }),
      10,
    );
    for (const [name, fn] of props.jobs) {
      alarm(
        `${pascal(name)}Errors`,
        `the ${name} job fails (three errors in 15 minutes): see its logs`,
        fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
        3,
      );
    }
    for (const other of props.alarms) other.addAlarmAction(page);
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          new TextWidget({
            markdown:
              '# Convoy Cloud\nAPI, game-server lifecycle, idle reaper, webhooks and table. Metrics in `ConvoyCloud` ' +
              "come from the functions' logs (embedded metric format); log lines carry `tenantId` and `serverId`.",
            width: 24,
            height: 2,
          }),
        ],
        [
          graph('API requests and errors', [
            props.api.metricCount({ period: FIVE_MINUTES, label: 'requests' }),
            props.api.metricClientError({ period: FIVE_MINUTES, label: '4xx' }),
            props.api.metricServerError({ period: FIVE_MINUTES, label: '5xx' }),
          ]),
          graph('API latency (ms)', [
            props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50', label: 'p50' }),
            props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99', label: 'p99' }),
          ]),
        ],
        [
          graph('Starts, stops by reason, errors', [
            convoyMetric(METRIC.serverStarts, { label: 'starts' }),
            ...STOP_REASONS.map((reason) =>
              convoyMetric(METRIC.serverStops, { dimensions: { Reason: reason }, label: `stops: ${reason}` }),
            ),
            convoyMetric(METRIC.serverErrors, { label: 'errors' }),
          ]),
          graph('Start to ready (s)', [
            convoyMetric(METRIC.startToReady, { statistic: 'p50', period: Duration.hours(1), label: 'p50' }),
            convoyMetric(METRIC.startToReady, { statistic: 'p90', period: Duration.hours(1), label: 'p90' }),
          ]),
        ],
        [
          graph('Idle reaper: tick (ms)', [
            convoyMetric(METRIC.idleTickDuration, { statistic: 'Average', label: 'average' }),
            convoyMetric(METRIC.idleTickDuration, { statistic: 'Maximum', label: 'max' }),
          ]),
          graph('Idle reaper: servers stopped', [
            convoyMetric(METRIC.idleStops, { dimensions: { Reason: 'idle' }, label: 'idle' }),
            convoyMetric(METRIC.idleStops, { dimensions: { Reason: 'unreachable' }, label: 'unreachable' }),
            ...(props.reaper
              ? [props.reaper.metricErrors({ period: FIVE_MINUTES, label: 'reaper errors' })]
              : []),
          ]),
        ],
        [
          graph(
            'Webhook tries by outcome',
            DELIVERY_OUTCOMES.map((outcome) =>
              convoyMetric(METRIC.webhookDeliveries, { dimensions: { Outcome: outcome }, label: outcome }),
            ),
          ),
          graph('Webhook queue', [
            props.deliveries.queue.metricApproximateNumberOfMessagesVisible({
              period: FIVE_MINUTES,
              label: 'waiting',
            }),
            props.deliveries.deadLetters.metricApproximateNumberOfMessagesVisible({
              period: FIVE_MINUTES,
              label: 'dead letters',
            }),
          ]),
        ],
        [
          graph('Table: consumed capacity', [
            props.table.metricConsumedReadCapacityUnits({ period: FIVE_MINUTES, label: 'read units' }),
            props.table.metricConsumedWriteCapacityUnits({ period: FIVE_MINUTES, label: 'write units' }),
          ]),
          graph('Jobs: errors', [
            ...[...props.jobs].map(([name, fn]) => fn.metricErrors({ period: FIVE_MINUTES, label: name })),
          ]),
        ],
      ],
    });
  }
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 12, height: 6 });
}

const pascal = (name: string) =>
  name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
