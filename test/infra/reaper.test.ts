import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { HOST_TAGS } from '../../shared/adapters/ec2/tags.ts';
import { actionsOf, statementsOf, synthApp } from './synth.ts';

const { stacks } = synthApp();
const jobs = Template.fromStack(stacks.api);
const reaper = stacks.api.sync?.functions.get('idle-reaper')?.function;
if (!reaper) throw new Error('no idle-reaper function');
const reaperId = stacks.api.getLogicalId(reaper.node.defaultChild as CfnFunction);

const actions = () => actionsOf(reaper);

describe('the idle reaper in CDK', () => {
  it('runs every minute, from an EventBridge rule', () => {
    jobs.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [reaperId, 'Arn'] } })],
    });
  });

  it('ends each tick before the next one is due', () => {
    const fn = jobs.findResources('AWS::Lambda::Function')[reaperId];
    expect(fn?.Properties.Timeout).toBeLessThan(60);
  });

  it('may stop this deployment’s hosts and nothing else on EC2', () => {
    const ec2 = actions().filter((a) => a.startsWith('ec2:'));
    expect(ec2).toEqual(['ec2:StopInstances']);
    const stop = statementsOf(reaper).find((s) => [s.Action].flat().includes('ec2:StopInstances'));
    expect(stop?.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${HOST_TAGS.deployment}`]: 'convoy' },
    });
    expect(JSON.stringify(stop?.Resource)).toContain(':instance/*');
  });

  it('queries the active index and writes the table, with no S3 and no IAM', () => {
    const all = actions();
    expect(all).toEqual(
      expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem']),
    );
    expect(all.filter((a) => a.startsWith('s3:') || a.startsWith('iam:'))).toEqual([]);
  });

  it('raises alarms on errors, on long ticks and on ticks that stop coming', () => {
    const alarms = Object.values(jobs.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties.Dimensions ?? null).includes(reaperId),
    );
    const byMetric = Object.fromEntries(alarms.map((a) => [a.Properties.MetricName, a.Properties]));
    expect(Object.keys(byMetric).sort()).toEqual(['Duration', 'Errors', 'Invocations']);
    expect(byMetric.Errors).toMatchObject({
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(byMetric.Duration).toMatchObject({ Statistic: 'Maximum', Threshold: 45_000 });
    expect(byMetric.Invocations).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });
});
