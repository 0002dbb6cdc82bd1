import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config/env-names.ts';
import { ROUTES, routeKey } from '../../shared/http/routes.ts';
import { synthApp } from './synth.ts';

const { stacks, api } = synthApp();
const hosts = Template.fromStack(stacks.hosts);
const hostRole = stacks.hosts.gameHosts.role;
const hostRoleId = stacks.hosts.getLogicalId(hostRole.node.defaultChild as CfnRole);
const iamRoutes = ROUTES.filter((route) => route.auth === 'iam');

interface CfnResource {
  readonly Properties: Record<string, unknown>;
}
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}
const resources = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as CfnResource[];

/** Every statement of every policy (in either stack) attached to the host role. */
function hostRoleStatements(): Statement[] {
  const policies = [...resources(api, 'AWS::IAM::Policy'), ...resources(hosts, 'AWS::IAM::Policy')];
  return policies
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(hostRoleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('game-host routes in AWS', () => {
  it('serves exactly the two host routes with IAM authorization', () => {
    expect(iamRoutes.map(routeKey).sort()).toEqual(['GET /v1/host/bundle', 'POST /v1/host/heartbeat']);
    for (const route of iamRoutes) {
      const [match, ...more] = resources(api, 'AWS::ApiGatewayV2::Route').filter(
        (r) => r.Properties.RouteKey === routeKey(route),
      );
      expect(more).toHaveLength(0);
      expect(match?.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(match?.Properties.AuthorizerId).toBeUndefined();
    }
  });

  it('lets the host role invoke only the host routes, and nothing else of the API', () => {
    const invoke = hostRoleStatements().filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('execute-api:')),
    );
    expect(invoke).toHaveLength(1);
    const [statement] = invoke;
    expect(statement?.Action).toBe('execute-api:Invoke');
    const arns = [statement?.Resource].flat().map((arn) => JSON.stringify(arn));
    expect(arns).toHaveLength(2);
    expect(arns.find((a) => a.includes('/GET/v1/host/bundle'))).toBeDefined();
    expect(arns.find((a) => a.includes('/POST/v1/host/heartbeat'))).toBeDefined();
    expect(arns.join()).not.toMatch(/\/\*"|\/v1\/servers|\/v1\/keys|\/v1\/packages/);
  });

  it('gives the host role nothing beyond invoking its routes and reading the agent bundle', () => {
    const actions = hostRoleStatements().flatMap((s) => [s.Action].flat());
    for (const action of actions)
      expect(action).toMatch(/^(execute-api:Invoke|s3:GetObject\*?|s3:GetBucket\*|s3:List\*)$/);
  });

  it('tells the host functions which role is the hosts', () => {
    for (const route of iamRoutes) {
      const fn = stacks.api.httpApi.functions.get(route.name)?.function;
      expect(fn).toBeDefined();
      const id = stacks.api.getLogicalId(fn?.node.defaultChild as CfnFunction);
      const variables = (api.toJSON().Resources[id].Properties.Environment?.Variables ?? {}) as Record<
        string,
        unknown
      >;
      expect(JSON.stringify(variables[ENV.hostRoleName])).toContain(hostRoleId);
    }
  });

  it('ships the agent bundle as an asset with its SHA-256, readable by the host role', () => {
    expect(stacks.hosts.gameHosts.agent.sha256).toMatch(/^[0-9a-f]{64}$/);
    const reads = hostRoleStatements().filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('s3:GetObject')),
    );
    expect(reads.length).toBeGreaterThan(0);
    expect(Stack.of(hostRole)).toBe(stacks.hosts);
  });
});
