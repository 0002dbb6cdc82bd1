import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConvoyFunction } from '../../infra/constructs/convoy-function.ts';
import { ENV } from '../../shared/config/env-names.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { actionsOf, synthApp } from './synth.ts';

const { stacks, data, api } = synthApp();
const buckets = () => data.findResources('AWS::S3::Bucket');

const s3Actions = (routeName: string) =>
  actionsOf(stacks.api.httpApi.functions.get(routeName)?.function ?? {}).filter((a) => a.startsWith('s3:'));

describe('PackageBucket', () => {
  it('lives in the data stack with a stable logical id and is retained, beside its access-log bucket', () => {
    expect(Object.keys(buckets()).sort()).toEqual([
      expect.stringMatching(/^PackagesAccessLogs[0-9A-F]{8}$/),
      expect.stringMatching(/^Packages[0-9A-F]{8}$/),
    ]);
    for (const bucket of Object.values(buckets())) {
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('logs every access to package files, to a private bucket that forgets them after 90 days', () => {
    const logs = Object.keys(buckets()).find((id) => id.startsWith('PackagesAccessLogs'));
    data.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 'packages/' },
    });
    data.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true }),
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('blocks public access, encrypts and versions', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('refuses requests without TLS', () => {
    data.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('expires abandoned uploads and old versions', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'abandoned-uploads',
            Prefix: 'uploads/',
            ExpirationInDays: 1,
            Status: 'Enabled',
          }),
          Match.objectLike({ Id: 'old-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it('allows browser PUT uploads (CORS)', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['PUT'] })] },
    });
  });
});

describe('bucket grants', () => {
  it('grants the bucket only to routes that declare it, as declared', () => {
    for (const route of ROUTES) {
      const actions = s3Actions(route.name);
      if (!route.bucket || route.bucket === 'none') expect(actions, route.name).toEqual([]);
      else if (route.bucket === 'read') {
        expect(
          actions.some((a) => a.startsWith('s3:Put') || a.startsWith('s3:Delete')),
          route.name,
        ).toBe(false);
      } else
        expect(actions.sort(), route.name).toEqual([
          's3:DeleteObject',
          's3:GetObject',
          's3:ListBucket',
          's3:PutObject',
        ]);
      // Named actions only: no `s3:GetObject*` reaching versions, ACLs or tags.
      expect(
        actions.filter((a) => a.includes('*')),
        route.name,
      ).toEqual([]);
    }
  });

  it('passes the bucket name only to functions with bucket access', () => {
    const functions = api.findResources('AWS::Lambda::Function');
    const withBucket = Object.entries(functions)
      .filter(([, f]) => f.Properties.Environment?.Variables?.[ENV.bucketName] !== undefined)
      .map(([id]) => id);
    const expected = ROUTES.filter((r) => r.bucket && r.bucket !== 'none').map((r) =>
      r.name.replaceAll('-', ''),
    );
    expect(withBucket.map((id) => expected.some((name) => id.startsWith(`Http${name}`)))).toEqual(
      withBucket.map(() => true),
    );
    expect(withBucket).toHaveLength(expected.length);
  });
});

describe('ConvoyFunction bucket access', () => {
  it('refuses bucket access without a bucket', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    expect(
      () => new ConvoyFunction(stack, 'Fn', { entry: 'functions/meta/health.ts', bucketAccess: 'read' }),
    ).toThrow(/needs a bucket/);
  });
});
