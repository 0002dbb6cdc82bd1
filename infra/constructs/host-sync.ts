import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.ts';
import { JOBS, STATE_CHANGE_DETAIL_TYPE } from '../../shared/runtime/jobs.ts';
import { ConvoyFunction } from './convoy-function.ts';
import type { GameHosts } from './game-hosts.ts';

export interface HostSyncProps {
  readonly table: ITable;
  readonly hosts: GameHosts;
  readonly instanceTypes: readonly string[];
  readonly version: string;
  /** The API's URL, which the jobs that launch hosts render into the hosts' bootstrap. */
  readonly apiUrl: string;
}

/**
 * The functions of `JOBS` and their triggers: EC2's state-change events (every instance of
 * the account and region; the handler ignores instances no server records) and the schedule.
 */
export class HostSync extends Construct {
  readonly functions: ReadonlyMap<string, ConvoyFunction>;

  constructor(scope: Construct, id: string, props: HostSyncProps) {
    super(scope, id);
    const functions = new Map<string, ConvoyFunction>();
    for (const job of JOBS) {
      const fn = new ConvoyFunction(this, job.name, {
        entry: job.entry,
        table: props.table,
        tableAccess: job.table,
        version: props.version,
        // A reconcile pass pages every host and active server: give it room.
        timeout: Duration.seconds(job.timeoutSeconds ?? (job.trigger.kind === 'schedule' ? 120 : 30)),
        environment: {
          ...props.hosts.environment(),
          ...(job.hosts.includes('launch') ? props.hosts.bootstrapEnvironment(props.apiUrl) : {}),
          [ENV.instanceTypes]: props.instanceTypes.join(','),
        },
      });
      props.hosts.grant(fn.function, job.hosts);
      functions.set(job.name, fn);
      const trigger = job.trigger;
      // Scheduler invokes its target through the schedules' role (`Schedules`), not a rule.
      if (trigger.kind === 'scheduler') continue;
      new Rule(this, `${job.name}-trigger`, {
        description: `Convoy: ${job.name}`,
        ...(trigger.kind === 'schedule'
          ? { schedule: Schedule.rate(Duration.minutes(trigger.everyMinutes)) }
          : { eventPattern: { source: ['aws.ec2'], detailType: [STATE_CHANGE_DETAIL_TYPE] } }),
        targets: [new LambdaFunction(fn.function, { retryAttempts: 2 })],
      });
    }
    this.functions = functions;
  }
}
