import { Match } from 'aws-cdk-lib/assertions';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_ENV } from '../../shared/config/webhook-env.ts';
import { DELIVERY_MAX_RECEIVES } from '../../shared/runtime/webhook-functions.ts';
import { actionsOf, synthApp } from './synth.ts';

const { stacks, api, data } = synthApp();
const { webhooks } = stacks.api;
const queueId = stacks.api.getLogicalId(webhooks.queue.node.defaultChild as CfnQueue);
const dlqId = stacks.api.getLogicalId(webhooks.deadLetters.node.defaultChild as CfnQueue);

describe('webhook delivery infrastructure', () => {
  it('turns on the table stream with both images', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('queues deliveries with a dead-letter queue, encrypted and TLS-only', () => {
    api.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: DELIVERY_MAX_RECEIVES,
      },
      SqsManagedSseEnabled: true,
    });
    api.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
    });
  });

  it('feeds the dispatcher only server and package writes, and the deliverer from the queue', () => {
    api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('"server","package"') }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('grants each function only what it calls', () => {
    const dispatch = actionsOf(webhooks.dispatcher.function);
    expect(dispatch).toEqual(
      expect.arrayContaining([
        'sqs:SendMessage',
        'dynamodb:GetRecords',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]),
    );
    expect(dispatch).not.toContain('dynamodb:PutItem');
    expect(dispatch).not.toContain('dynamodb:DeleteItem');
    expect(dispatch).not.toContain('sqs:DeleteMessage');
    expect(dispatch.filter((a) => a.startsWith('ec2:') || a.startsWith('s3:'))).toEqual([]);

    const deliver = actionsOf(webhooks.deliverer.function);
    expect(deliver).toEqual(
      expect.arrayContaining([
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'dynamodb:PutItem',
      ]),
    );
    expect(deliver).not.toContain('dynamodb:GetRecords');
    expect(deliver.filter((a) => a.startsWith('ec2:') || a.startsWith('s3:'))).toEqual([]);
    // The queue URL reaches both functions through their environment.
    for (const fn of [webhooks.dispatcher, webhooks.deliverer]) {
      api.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ [WEBHOOK_ENV.queueUrl]: { Ref: queueId } }) },
        Handler: Match.anyValue(),
      });
      expect(fn.function).toBeDefined();
    }
  });

  it('makes the webhook routes keys:admin and read-only where they only read', () => {
    const get = stacks.api.httpApi.functions.get('webhooks-get')?.function;
    if (!get) throw new Error('no webhooks-get');
    const actions = actionsOf(get);
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions.some((a) => a.startsWith('sqs:'))).toBe(false);
  });
});
