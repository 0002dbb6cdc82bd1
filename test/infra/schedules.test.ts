import { Match } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { SCHEDULER_ENV } from '../../shared/config/scheduler-env.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { actionsOf, statementsOf, synthApp } from './synth.ts';

const { stacks, api } = synthApp();
const { schedules } = stacks.api;
if (!schedules) throw new Error('no schedules');
const fire = stacks.api.sync?.functions.get('schedule-fire')?.function;
if (!fire) throw new Error('no schedule-fire function');
const fireId = stacks.api.getLogicalId(fire.node.defaultChild as CfnFunction);
const groupId = stacks.api.getLogicalId(schedules.group);
const schedulerRoleId = stacks.api.getLogicalId(schedules.role.node.defaultChild as CfnRole);

const apiFunction = (name: string) => {
  const fn = stacks.api.httpApi.functions.get(name)?.function;
  if (!fn) throw new Error(`no ${name} function`);
  return fn;
};

describe('scheduled starts in CDK', () => {
  it('has one schedule group with a generated name', () => {
    api.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    expect(api.findResources('AWS::Scheduler::ScheduleGroup')[groupId]?.Properties?.Name).toBeUndefined();
  });

  it('lets Scheduler, for this account and group only, assume a role that invokes the start handler only', () => {
    api.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] } },
            },
          }),
        ],
      },
    });
    const policies = Object.values(api.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(`"${schedulerRoleId}"`),
    );
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [fireId, 'Arn'] },
      },
    ]);
  });

  it('is triggered by Scheduler only: no EventBridge rule targets the start handler', () => {
    const rules = Object.values(api.findResources('AWS::Events::Rule'));
    expect(JSON.stringify(rules)).not.toContain(fireId);
  });

  it('lets the start handler delete schedules of its group, and start hosts as the start route does', () => {
    const statements = statementsOf(fire);
    const scheduler = statements.filter((s) => JSON.stringify(s.Action).includes('scheduler:'));
    expect(scheduler).toHaveLength(1);
    expect(scheduler[0]?.Action).toBe('scheduler:DeleteSchedule');
    expect(JSON.stringify(scheduler[0]?.Resource)).toContain(`schedule/",{"Ref":"${groupId}"},"/*`);
    expect(actionsOf(fire)).toEqual(expect.arrayContaining(['ec2:RunInstances', 'ec2:StartInstances']));
    // It passes the game hosts' role to EC2 (a launch), never the Scheduler role.
    const passes = statements.filter((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(JSON.stringify(passes)).not.toContain(schedulerRoleId);
    const env = api.findResources('AWS::Lambda::Function')[fireId]?.Properties.Environment.Variables;
    expect(env[SCHEDULER_ENV.groupName]).toEqual({ Ref: groupId });
  });

  it.each(ROUTES.filter((r) => r.schedules === 'manage').map((r) => r.name))(
    '%s may create and delete schedules in the group, and pass the Scheduler role to Scheduler only',
    (name) => {
      const statements = statementsOf(apiFunction(name));
      const scheduler = statements.filter((s) => JSON.stringify(s.Action).includes('scheduler:'));
      expect(scheduler.map((s) => s.Action)).toEqual([
        ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
      ]);
      expect(JSON.stringify(scheduler[0]?.Resource)).toMatch(
        /:schedule\/",\{"Ref":"SchedulesGroup[^"]*"\},"\/\*"/,
      );
      const pass = statements.filter((s) => s.Action === 'iam:PassRole');
      expect(pass).toHaveLength(1);
      expect(JSON.stringify(pass[0]?.Resource)).toMatch(/"Fn::GetAtt":\["SchedulesInvokeRole[^"]*","Arn"\]/);
      expect(pass[0]?.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
      const env =
        api.toJSON().Resources[stacks.api.getLogicalId(apiFunction(name).node.defaultChild as CfnFunction)]
          .Properties.Environment.Variables;
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([SCHEDULER_ENV.groupName, SCHEDULER_ENV.roleArn, SCHEDULER_ENV.targetArn]),
      );
    },
  );

  it('gives the listing route no Scheduler or IAM permissions', () => {
    const actions = actionsOf(apiFunction('schedules-list'));
    expect(actions.filter((a) => a.startsWith('scheduler:') || a.startsWith('iam:'))).toEqual([]);
  });
});
