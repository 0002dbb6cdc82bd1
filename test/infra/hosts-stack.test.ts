import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { UBUNTU_2404_AMD64 } from '../../infra/constructs/game-hosts.ts';
import { HOST_TAGS } from '../../shared/adapters/ec2/tags.ts';
import { ENV } from '../../shared/config/env-names.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { JOBS, STATE_CHANGE_DETAIL_TYPE } from '../../shared/runtime/jobs.ts';
import type { Statement } from './synth.ts';
import { statementsOf, synthApp } from './synth.ts';

const { stacks, api } = synthApp();
const hosts = Template.fromStack(stacks.hosts);

const actions = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
const withAction = (statements: Statement[], action: string) =>
  statements.filter((s) => [s.Action].flat().includes(action));
const routeFn = (name: string) => stacks.api.httpApi.functions.get(name)?.function ?? {};
const jobFn = (name: string) => stacks.api.sync?.functions.get(name)?.function ?? {};

describe('HostsStack', () => {
  it('builds a VPC of public subnets only, with no NAT gateway', () => {
    hosts.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const subnet of Object.values(hosts.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
    }
  });

  it('opens the game port range on UDP and TCP, and nothing else', () => {
    const rules = Object.values(hosts.findResources('AWS::EC2::SecurityGroup')).flatMap(
      (g) => g.Properties.SecurityGroupIngress ?? [],
    );
    expect(rules.map((r: Record<string, unknown>) => [r.IpProtocol, r.FromPort, r.ToPort]).sort()).toEqual([
      ['tcp', 27015, 27999],
      ['udp', 27015, 27999],
    ]);
  });

  it('launches Ubuntu 24.04 from the SSM parameter at deploy time, IMDSv2 only, on an encrypted gp3 disk', () => {
    const params = hosts.toJSON().Parameters as Record<string, { Default?: string; Type: string }>;
    expect(Object.values(params).some((p) => p.Default === UBUNTU_2404_AMD64)).toBe(true);
    hosts.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/sda1',
            Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30, DeleteOnTermination: true },
          },
        ],
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true, SubnetId: Match.anyValue() })],
        TagSpecifications: Match.absent(),
      }),
    });
  });

  it('gives the host role, in this stack, only reads of the agent bundle (host-routes.test.ts covers the rest)', () => {
    const roleId = stacks.hosts.getLogicalId(stacks.hosts.gameHosts.role.node.defaultChild as CfnRole);
    const policies = Object.values(hosts.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`),
    );
    const statements = policies.flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: string; Resource: unknown }[] }).Statement,
    );
    // The one object, not the CDK assets bucket (which holds every asset of the account).
    const { s3ObjectKey } = stacks.hosts.gameHosts.agent.asset;
    expect(statements).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Resource: expect.anything() }),
    ]);
    expect(JSON.stringify(statements[0]?.Resource)).toContain(s3ObjectKey);
  });

  it('logs the traffic the game-host VPC refuses, for a month', () => {
    hosts.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
    hosts.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('invokes the sync on EC2 state changes and the reconciler every five minutes', () => {
    api.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.ec2'], 'detail-type': [STATE_CHANGE_DETAIL_TYPE] },
    });
    api.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    expect([...(stacks.api.sync?.functions.keys() ?? [])].sort()).toEqual(JOBS.map((j) => j.name).sort());
  });
});

describe('host permissions', () => {
  it.each([
    ['servers-start', 'ec2:StartInstances'],
    ['servers-start', 'ec2:StopInstances'],
    ['servers-stop', 'ec2:StopInstances'],
    ['servers-delete', 'ec2:TerminateInstances'],
  ])('lets %s call %s only on instances tagged with this deployment', (name, action) => {
    const [statement, ...more] = withAction(statementsOf(routeFn(name)), action);
    expect(more).toEqual([]);
    expect(statement?.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${HOST_TAGS.deployment}`]: 'convoy' },
    });
    expect(JSON.stringify(statement?.Resource)).toContain(':instance/*');
  });

  it('lets RunInstances create instances only from the launch template and only with the deployment tags', () => {
    const runs = withAction(statementsOf(routeFn('servers-start')), 'ec2:RunInstances');
    const instance = runs.find((s) => JSON.stringify(s.Resource).includes(':instance/*'));
    expect(instance?.Condition).toEqual({
      StringEquals: {
        'ec2:LaunchTemplate': expect.anything(),
        [`aws:RequestTag/${HOST_TAGS.deployment}`]: 'convoy',
      },
      'ForAllValues:StringEquals': { 'aws:TagKeys': Object.values(HOST_TAGS) },
    });
    for (const other of runs) expect(other.Condition?.StringEquals?.['ec2:LaunchTemplate']).toBeDefined();
  });

  it('allows CreateTags only as part of RunInstances, and PassRole only for the host role to EC2', () => {
    const statements = statementsOf(routeFn('servers-start'));
    expect(withAction(statements, 'ec2:CreateTags').map((s) => s.Condition)).toEqual([
      { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    ]);
    const [pass] = withAction(statements, 'iam:PassRole');
    expect(pass?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    expect(JSON.stringify(pass?.Resource)).toContain('GameHostsHostRole');
  });

  it('grants DescribeInstances on * (it has no resource-level permissions) and to no route that does not need it', () => {
    expect(withAction(statementsOf(jobFn('ec2-reconcile')), 'ec2:DescribeInstances')[0]?.Resource).toBe('*');
    expect(actions(statementsOf(routeFn('servers-stop')))).not.toContain('ec2:DescribeInstances');
  });

  it('gives routes without host access no EC2 actions at all', () => {
    for (const route of ROUTES.filter((r) => !r.hosts?.length)) {
      expect(actions(statementsOf(routeFn(route.name))).filter((a) => a.startsWith('ec2:'))).toEqual([]);
    }
  });

  it('tells host functions the launch template and the deployment, and no other function', () => {
    const withTemplate = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) =>
        JSON.stringify(fn.Properties.Environment).includes(ENV.launchTemplateId),
      ).length;
    expect(withTemplate(api)).toBe(ROUTES.filter((r) => r.hosts?.length).length + JOBS.length);
    expect(withTemplate(hosts)).toBe(0);
  });
});

describe('host bootstraps', () => {
  const launchers = [
    ...ROUTES.filter((r) => r.hosts?.includes('launch')).map((r) => routeFn(r.name)),
    ...JOBS.filter((j) => j.hosts.includes('launch')).map((j) => jobFn(j.name)),
  ];
  const envOf = (fn: object) => {
    const id = stacks.api.getLogicalId((fn as { node: { defaultChild: CfnFunction } }).node.defaultChild);
    return (api.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables ?? {}) as Record<
      string,
      unknown
    >;
  };

  it('tells every function that launches hosts the agent (pinned by hash) and this API’s URL', () => {
    expect(launchers.length).toBeGreaterThanOrEqual(2);
    for (const fn of launchers) {
      const env = envOf(fn);
      expect(env[ENV.agentSha256]).toBe(stacks.hosts.gameHosts.agent.sha256);
      expect(JSON.stringify(env[ENV.agentUrl])).toMatch(/https:\/\/s3\.[^"]*\.mjs/);
      expect(JSON.stringify(env[ENV.apiUrl])).toMatch(/"Fn::GetAtt":\["HttpApi[^"]*","ApiEndpoint"\]/);
    }
  });

  it('tells no other function', () => {
    const names = [...stacks.api.httpApi.functions.keys()].filter(
      (name) => !ROUTES.find((r) => r.name === name)?.hosts?.includes('launch'),
    );
    for (const name of names) expect(envOf(routeFn(name))).not.toHaveProperty(ENV.agentUrl);
  });
});
