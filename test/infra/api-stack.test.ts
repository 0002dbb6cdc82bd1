import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { ENV } from '../../shared/config/env-names.ts';
import type { TableAccess } from '../../shared/http/routes.ts';
import { AUTHORIZER, AUTHORIZER_CACHE_SECONDS, ROUTES, routeKey } from '../../shared/http/routes.ts';
import { JOBS } from '../../shared/runtime/jobs.ts';
import { WEBHOOK_FUNCTIONS } from '../../shared/runtime/webhook-functions.ts';
import { synthApp } from './synth.ts';

const { stacks, api } = synthApp();
const functions = stacks.api.httpApi.functions;
const WEBHOOK_FUNCTION_COUNT = Object.keys(WEBHOOK_FUNCTIONS).length;

interface CfnResource {
  readonly Properties: Record<string, unknown>;
}
const resources = (type: string) => api.findResources(type) as Record<string, CfnResource>;

function functionLogicalId(name: string): string {
  const fn = functions.get(name);
  if (!fn) throw new Error(`no function named ${name}`);
  return stacks.api.getLogicalId(fn.function.node.defaultChild as CfnFunction);
}

/** Every IAM action granted to a function's role by inline policies. */
function actionsOf(name: string): string[] {
  const role = functions.get(name)?.function.role;
  if (!role) throw new Error(`no role for ${name}`);
  const roleId = Stack.of(role).getLogicalId(role.node.defaultChild as CfnRole);
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap(
      (policy) =>
        (policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
    )
    .flatMap((statement) => statement.Action);
}

const routeResourceFor = (route: (typeof ROUTES)[number]) => {
  const matches = Object.values(resources('AWS::ApiGatewayV2::Route')).filter(
    (r) => r.Properties.RouteKey === routeKey(route),
  );
  expect(matches).toHaveLength(1);
  return matches[0] as CfnResource;
};

const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const readActions = ['dynamodb:GetItem', 'dynamodb:Query'];
const accessOf: [string, TableAccess][] = [
  ...ROUTES.map((route): [string, TableAccess] => [route.name, route.table]),
  [AUTHORIZER.name, AUTHORIZER.table],
];

describe('ApiStack functions', () => {
  it('creates one function per route plus the authorizer', () => {
    // ...and the jobs, which live in this stack too (they render its URL into host bootstraps).
    // ...and the webhook pipeline's dispatcher and deliverer.
    api.resourceCountIs('AWS::Lambda::Function', ROUTES.length + 1 + JOBS.length + WEBHOOK_FUNCTION_COUNT);
    expect([...functions.keys()].sort()).toEqual([...ROUTES.map((r) => r.name), AUTHORIZER.name].sort());
  });

  it('runs every route function on Node.js 24 on arm64 with tracing, 256 MB and a 10 s timeout', () => {
    for (const fn of [...functions.keys()].map(
      (name) => resources('AWS::Lambda::Function')[functionLogicalId(name)],
    )) {
      expect(fn?.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 256,
        Timeout: 10,
        Handler: 'index.handler',
      });
    }
  });

  it('sends each function to its own log group that keeps logs for a month', () => {
    const accessLogs = stacks.api.getLogicalId(
      stacks.api.httpApi.accessLogs.node.defaultChild as CfnLogGroup,
    );
    const logGroups = Object.fromEntries(
      Object.entries(resources('AWS::Logs::LogGroup')).filter(([id]) => id !== accessLogs),
    );
    expect(Object.keys(logGroups)).toHaveLength(ROUTES.length + 1 + JOBS.length + WEBHOOK_FUNCTION_COUNT);
    for (const group of Object.values(logGroups)) expect(group.Properties.RetentionInDays).toBe(30);
    const used = Object.values(resources('AWS::Lambda::Function')).map(
      (fn) => (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
    );
    expect(used.sort()).toEqual(Object.keys(logGroups).sort());
  });

  it('gives each function a role of its own with no managed policy, writing only to its own log group', () => {
    const roles = resources('AWS::IAM::Role');
    for (const [id, fn] of Object.entries(resources('AWS::Lambda::Function'))) {
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(roles[roleId]?.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
    const logWrites = Object.values(resources('AWS::IAM::Policy'))
      .flatMap(
        (p) =>
          (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      )
      .filter((st) => JSON.stringify(st.Action).includes('logs:'));
    expect(logWrites.length).toBeGreaterThanOrEqual(ROUTES.length);
    for (const st of logWrites)
      expect(JSON.stringify(st.Resource)).toMatch(/"Fn::GetAtt":\["\w+Logs[0-9A-F]{8}","Arn"\]/);
  });

  it('names the table and each of its indexes in grants, never `index/*`', () => {
    const text = JSON.stringify(resources('AWS::IAM::Policy'));
    expect(text).not.toContain('/index/*');
    expect(text).toContain('/index/active');
    expect(text).toContain('/index/byInstance');
  });

  it('writes one access-log line per request, with the caller’s tenant and key', () => {
    const accessLogs = stacks.api.getLogicalId(
      stacks.api.httpApi.accessLogs.node.defaultChild as CfnLogGroup,
    );
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [accessLogs, 'Arn'] },
        Format: Match.stringLikeRegexp('"tenantId":"\\$context.authorizer.tenantId"'),
      },
    });
  });

  it('gives every function the table name, the version and source-mapped stack traces', () => {
    for (const fn of Object.values(resources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment).toEqual({
        Variables: expect.objectContaining({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'convoy-cloud',
          [ENV.tableName]: { 'Fn::ImportValue': expect.any(String) },
          [ENV.version]: pkg.version,
        }),
      });
    }
  });

  it('passes the default instance-type allow-list to the route functions', () => {
    const fn = resources('AWS::Lambda::Function')[functionLogicalId('servers-create')];
    expect(fn?.Properties.Environment).toMatchObject({
      Variables: { [ENV.instanceTypes]: 't3.medium,t3a.medium,t3.large' },
    });
  });

  it('takes the instance-type allow-list from the instanceTypes context', () => {
    const custom = synthApp({ instanceTypes: 'c6i.large, t3.xlarge' });
    const id = custom.stacks.api.getLogicalId(
      custom.stacks.api.httpApi.functions.get('servers-create')?.function.node.defaultChild as CfnFunction,
    );
    expect(custom.api.findResources('AWS::Lambda::Function')[id]?.Properties.Environment).toMatchObject({
      Variables: { [ENV.instanceTypes]: 'c6i.large,t3.xlarge' },
    });
  });

  it('refuses an instanceTypes context that is not a list of instance types', () => {
    expect(() => synthApp({ instanceTypes: 'large' })).toThrow(/instanceTypes/);
    expect(() => synthApp({ instanceTypes: ' , ' })).toThrow(/instanceTypes/);
  });
});

describe('ApiStack routes', () => {
  it('creates one API route per entry of the route table', () => {
    api.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
    const keys = Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it.each(ROUTES)('sends $method $path to the $name function', (route) => {
    const target = routeResourceFor(route).Properties.Target as { 'Fn::Join': [string, unknown[]] };
    const integrationId = (target['Fn::Join'][1][1] as { Ref: string }).Ref;
    const integration = resources('AWS::ApiGatewayV2::Integration')[integrationId];
    expect(integration?.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionLogicalId(route.name), 'Arn'] },
    });
  });

  it.each(ROUTES.filter((r) => r.auth === 'apiKey'))(
    'puts $method $path behind the API-key authorizer',
    (route) => {
      const [authorizerId] = Object.keys(resources('AWS::ApiGatewayV2::Authorizer'));
      expect(routeResourceFor(route).Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
    },
  );

  it.each(ROUTES.filter((r) => r.auth === 'none'))('leaves $method $path public', (route) => {
    const { Properties } = routeResourceFor(route);
    expect(Properties.AuthorizationType).toBe('NONE');
    expect(Properties.AuthorizerId).toBeUndefined();
  });

  it('has one authorizer: the authorizer function with simple responses, cached per Authorization header', () => {
    api.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: AUTHORIZER_CACHE_SECONDS,
    });
    expect(JSON.stringify(Object.values(resources('AWS::ApiGatewayV2::Authorizer'))[0])).toContain(
      functionLogicalId(AUTHORIZER.name),
    );
  });

  it('outputs the API URL', () => {
    api.hasOutput('ApiUrl', { Value: Match.anyValue() });
  });
});

describe('ApiStack permissions', () => {
  it.each(accessOf.filter(([, access]) => access === 'read'))(
    'lets %s read the table but not write it',
    (name) => {
      const actions = actionsOf(name);
      expect(actions).toEqual(expect.arrayContaining(readActions));
      for (const action of writeActions) expect(actions).not.toContain(action);
    },
  );

  it.each(accessOf.filter(([, access]) => access === 'readWrite'))(
    'lets %s read and write the table',
    (name) => {
      expect(actionsOf(name)).toEqual(expect.arrayContaining([...readActions, ...writeActions]));
    },
  );

  it.each(accessOf.map(([name]) => name))('never lets %s Scan the table or write in batches', (name) => {
    const actions = actionsOf(name);
    for (const action of ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:*']) {
      expect(actions).not.toContain(action);
    }
  });

  it.each(accessOf.filter(([, access]) => access === 'none'))('gives %s no table actions at all', (name) => {
    expect(actionsOf(name).filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
  });
});
