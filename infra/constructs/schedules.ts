import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { SCHEDULER_ENV } from '../../shared/config/scheduler-env.ts';
import { acknowledgeGrantedWildcard } from '../nag.ts';

export interface SchedulesProps {
  /** The start handler every schedule invokes (`schedule-fire` of `JOBS`). */
  readonly target: LambdaFunction;
}

/**
 * Scheduled starts: the deployment's EventBridge Scheduler schedule group (the API creates one
 * schedule per server schedule in it) and the role Scheduler assumes to invoke the start
 * handler, which may invoke that one function and nothing else. Functions get to manage
 * schedules in this group only, and to pass this role only, to Scheduler only.
 */
export class Schedules extends Construct {
  readonly group: CfnScheduleGroup;
  readonly role: Role;
  private readonly target: LambdaFunction;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.target = props.target;
    // A generated name, so two deployments in one account never share a group.
    this.group = new CfnScheduleGroup(this, 'Group', {});
    this.role = new Role(this, 'InvokeRole', {
      description: 'Assumed by EventBridge Scheduler to invoke the scheduled-start handler',
      // Only Scheduler, for this account's schedules in this group (no confused deputy).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': this.group.attrArn },
        },
      }),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [props.target.functionArn],
      }),
    );
    // The start handler deletes the schedules of a server that is gone.
    this.grant(props.target, ['scheduler:DeleteSchedule']);
    props.target.addEnvironment(SCHEDULER_ENV.groupName, this.group.ref);
  }

  /** The settings of a function that creates and deletes schedules. */
  environment(): Record<string, string> {
    return {
      [SCHEDULER_ENV.groupName]: this.group.ref,
      [SCHEDULER_ENV.roleArn]: this.role.roleArn,
      [SCHEDULER_ENV.targetArn]: this.target.functionArn,
    };
  }

  /** Create and delete schedules in the group, passing Scheduler its role. */
  grantManage(grantee: IGrantable): void {
    this.grant(grantee, ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }

  private grant(grantee: IGrantable, actions: string[]): void {
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.ref}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [schedules] }),
    );
    acknowledgeGrantedWildcard(
      grantee,
      schedules,
      "Schedules are made at run time, one per user's schedule; the grant is confined to this deployment's group.",
    );
  }
}
