import { Match } from 'aws-cdk-lib/assertions';
import type { CfnTopic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../shared/domain/metrics.ts';
import { JOBS } from '../../shared/runtime/jobs.ts';
import { WEBHOOK_FUNCTIONS } from '../../shared/runtime/webhook-functions.ts';
import { synthApp } from './synth.ts';

const { stacks, api } = synthApp();
const topicId = stacks.api.getLogicalId(stacks.api.monitoring.topic.node.defaultChild as CfnTopic);

describe('Monitoring', () => {
  it('pages through one topic for every alarm of the stack, the reaper’s and the dead letters’ included', () => {
    const alarms = Object.entries(api.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
    }
    api.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('alarms on each job’s errors but the reaper’s (it has its own)', () => {
    const names = [...stacks.api.monitoring.alarms.keys()];
    const jobs = [
      ...JOBS.map((j) => j.name).filter((n) => n !== 'idle-reaper'),
      ...Object.values(WEBHOOK_FUNCTIONS).map((f) => f.name),
    ];
    expect(names.filter((n) => n.endsWith('Errors') && n !== 'ApiServerErrors')).toHaveLength(jobs.length);
    expect(names).toEqual(
      expect.arrayContaining(['ApiServerErrors', 'StartsFailing', 'StartsSlow', 'TableThrottled']),
    );
  });

  it('reads the metrics under the names and dimensions the functions emit them', () => {
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.serverErrors,
      Dimensions: [{ Name: 'service', Value: METRICS_SERVICE }],
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRIC.startToReady,
      ExtendedStatistic: 'p90',
      Threshold: 900,
    });
    const body = JSON.stringify(api.findResources('AWS::CloudWatch::Dashboard'));
    for (const name of Object.values(METRIC)) expect(body, name).toContain(`\\"${name}\\"`);
  });

  it('subscribes the alarmEmail context, and refuses one that is not an address', () => {
    const withEmail = synthApp({ alarmEmail: 'ops@example.com' });
    withEmail.api.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(api.findResources('AWS::SNS::Subscription')).toEqual({});
    expect(() => synthApp({ alarmEmail: 'not-an-address' })).toThrow(/alarmEmail must be an email address/);
  });
});
