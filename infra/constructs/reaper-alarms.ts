import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface ReaperAlarmsProps {
  /** The idle reaper's function (the `idle-reaper` job). */
  readonly function: IFunction;
  /**
   * A tick that runs longer than this raises the duration alarm: the reaper is falling behind
   * its one-minute schedule and should fan out.
   * @default Duration.seconds(45)
   */
  readonly maxDuration?: Duration;
}

/**
 * The idle reaper is where the money is saved, and it fails silently: a reaper that errors,
 * slows down or stops being invoked leaves empty servers running. One alarm for each; they
 * carry no action, so that the deployment wires them to its own topic or pager.
 */
export class ReaperAlarms extends Construct {
  readonly errors: Alarm;
  readonly duration: Alarm;
  readonly notRunning: Alarm;

  constructor(scope: Construct, id: string, props: ReaperAlarmsProps) {
    super(scope, id);
    const fn = props.function;
    const period = Duration.minutes(5);
    const maxDuration = props.maxDuration ?? Duration.seconds(45);

    // One failed tick is retried and then the next minute comes; three in five minutes is a trend.
    this.errors = new Alarm(this, 'Errors', {
      alarmDescription: 'Convoy idle reaper: ticks fail (see its logs: "idle check failed")',
      metric: fn.metricErrors({ period, statistic: 'Sum' }),
      threshold: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.duration = new Alarm(this, 'Duration', {
      alarmDescription: `Convoy idle reaper: a tick took longer than ${maxDuration.toSeconds()} s (fan out)`,
      metric: fn.metricDuration({ period, statistic: 'Maximum' }),
      threshold: maxDuration.toMilliseconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Scheduled every minute: no invocation in five minutes means the schedule or the function is gone.
    this.notRunning = new Alarm(this, 'NotRunning', {
      alarmDescription: 'Convoy idle reaper: not invoked for 5 minutes',
      metric: fn.metricInvocations({ period, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
  }
}
