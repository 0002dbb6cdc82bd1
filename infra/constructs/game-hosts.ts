import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  BlockDeviceVolume,
  type CfnLaunchTemplate,
  EbsDeviceVolumeType,
  FlowLogDestination,
  FlowLogTrafficType,
  InstanceType,
  type ISubnet,
  LaunchTemplate,
  MachineImage,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HOST_TAGS } from '../../shared/adapters/ec2/tags.ts';
import { ENV } from '../../shared/config/env-names.ts';
import type { HostAccess } from '../../shared/http/routes.ts';
import { acknowledgeGrantedWildcard, acknowledgeRule } from '../nag.ts';
import { HostAgent } from './host-agent.ts';

/** Canonical's public parameter: the current Ubuntu 24.04 LTS image, resolved by CloudFormation at deploy time. */
export const UBUNTU_2404_AMD64 =
  '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id';

/**
 * The range a server's `connectionPort` and `queryPort` may take (the API accepts 27015–27999).
 * Each host runs exactly one game server, so opening the whole range lets any configured pair
 * work without a security group per server, and nothing else listens there.
 */
export const GAME_PORTS = { from: 27015, to: 27999 } as const;

export interface GameHostsProps {
  /** The deployment's name: the value of the deployment tag that every IAM condition checks. */
  readonly deployment: string;
  /** The first allowed instance type: the launch template's default (RunInstances names the type anyway). */
  readonly defaultInstanceType: string;
  /** @default 30 - the game install (~3 GB per game) plus mods, logs and headroom */
  readonly rootVolumeGiB?: number;
}

/**
 * Where game hosts live and what they may do: a VPC of public subnets (no NAT gateway, which
 * would cost more than the hosts), the game-port security group, the host role and the launch
 * template every host starts from. `grant` gives a function exactly the host actions it uses,
 * on this deployment's hosts only.
 */
export class GameHosts extends Construct {
  readonly vpc: Vpc;
  readonly securityGroup: SecurityGroup;
  readonly role: Role;
  readonly launchTemplate: LaunchTemplate;
  /** The subnet the template launches into. */
  readonly launchSubnet: ISubnet;
  readonly deployment: string;
  /** The host agent bundle the hosts download (read access granted to the host role). */
  readonly agent: HostAgent;

  constructor(scope: Construct, id: string, props: GameHostsProps) {
    super(scope, id);
    this.deployment = props.deployment;

    // maxAzs without an env gives Fn::GetAZs, so synth needs no account lookups.
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
    });
    // Refused connections only: who knocks on the hosts, without paying to log every game packet.
    this.vpc.addFlowLog('RejectedTraffic', {
      trafficType: FlowLogTrafficType.REJECT,
      destination: FlowLogDestination.toCloudWatchLogs(
        new LogGroup(this, 'FlowLogs', {
          retention: RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ),
    });

    this.securityGroup = new SecurityGroup(this, 'GameSecurityGroup', {
      vpc: this.vpc,
      description: 'Game hosts: the game connection and query ports on UDP and TCP',
      // SteamCMD downloads the game and the host agent calls the API over HTTPS.
      allowAllOutbound: true,
    });
    const range = `${GAME_PORTS.from}-${GAME_PORTS.to}`;
    this.securityGroup.addIngressRule(
      Peer.anyIpv4(),
      Port.udpRange(GAME_PORTS.from, GAME_PORTS.to),
      `game UDP ${range}`,
    );
    this.securityGroup.addIngressRule(
      Peer.anyIpv4(),
      Port.tcpRange(GAME_PORTS.from, GAME_PORTS.to),
      `game TCP ${range}`,
    );
    const openToPlayers =
      'The game ports must be reachable by every player: drivers join from home connections whose ' +
      'addresses nobody knows in advance (and Steam lists the server by them).';
    acknowledgeRule(this.securityGroup, 'EC23', openToPlayers);
    Validations.of(this.securityGroup).acknowledge({
      id: 'CloudFormation-Validate::W2508',
      reason: openToPlayers,
    });

    // The agent bundle to read, and (granted by the API construct) execute-api:Invoke on the two
    // host routes: the host fetches its boot bundle and reports heartbeats through the API, signing
    // with this role's credentials. No SSH, no SSM.
    this.role = new Role(this, 'HostRole', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'Convoy game hosts',
    });
    this.agent = new HostAgent(this, 'Agent');
    this.agent.grantRead(this.role);

    const [launchSubnet] = this.vpc.publicSubnets;
    if (!launchSubnet) throw new Error('the game-host VPC has no public subnet');
    this.launchSubnet = launchSubnet;
    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: MachineImage.fromSsmParameter(UBUNTU_2404_AMD64),
      instanceType: new InstanceType(props.defaultInstanceType),
      role: this.role,
      securityGroup: this.securityGroup,
      associatePublicIpAddress: true,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/sda1',
          volume: BlockDeviceVolume.ebs(props.rootVolumeGiB ?? 30, {
            volumeType: EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    const template = this.launchTemplate.node.defaultChild as CfnLaunchTemplate;
    // The template's network interface needs a subnet, or RunInstances would look in the default VPC.
    template.addPropertyOverride(
      'LaunchTemplateData.NetworkInterfaces.0.SubnetId',
      this.launchSubnet.subnetId,
    );
    // CDK's `Name` tags on instances and volumes would add a tag key the RunInstances policy
    // does not allow (`aws:TagKeys`): hosts carry exactly the tags the adapter sets.
    template.addPropertyDeletionOverride('LaunchTemplateData.TagSpecifications');
  }

  /** What a function that calls the EC2 adapter needs in its environment. */
  environment(): Record<string, string> {
    return {
      [ENV.launchTemplateId]: this.launchTemplate.launchTemplateId as string,
      [ENV.deployment]: this.deployment,
    };
  }

  /** What a function that launches hosts needs to render their bootstrap (the agent, pinned by hash, and the API). */
  bootstrapEnvironment(apiUrl: string): Record<string, string> {
    return {
      [ENV.agentUrl]: this.agent.asset.httpUrl,
      [ENV.agentSha256]: this.agent.sha256,
      [ENV.apiUrl]: apiUrl,
    };
  }

  /** Grants exactly `access`; every action that can name an instance is limited to this deployment's. */
  grant(grantee: IGrantable, access: readonly HostAccess[]): void {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName = '*', account = stack.account) =>
      stack.formatArn({
        service: 'ec2',
        resource,
        resourceName,
        account,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const instances = arn('instance');
    const templateArn = arn('launch-template', this.launchTemplate.launchTemplateId);
    const add = (statement: PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
    const ownHosts = { StringEquals: { [`aws:ResourceTag/${HOST_TAGS.deployment}`]: this.deployment } };

    const power: [HostAccess, string][] = [
      ['start', 'ec2:StartInstances'],
      ['stop', 'ec2:StopInstances'],
      ['terminate', 'ec2:TerminateInstances'],
    ];
    const ownInstances =
      'Game hosts are made at run time; every action on them is conditioned on the deployment tag ' +
      '(or, for RunInstances, on launching from this template with exactly our tags).';
    for (const [name, action] of power) {
      if (access.includes(name)) {
        add(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: [action],
            resources: [instances],
            conditions: ownHosts,
          }),
        );
        acknowledgeGrantedWildcard(grantee, instances, ownInstances);
      }
    }
    if (access.includes('describe') || access.includes('launch')) {
      // DescribeInstances supports no resource-level permissions or conditions: `*` is the only form.
      add(
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['ec2:DescribeInstances'], resources: ['*'] }),
      );
    }
    if (!access.includes('launch')) return;
    const fromTemplate = { StringEquals: { 'ec2:LaunchTemplate': templateArn } };
    // The instance itself: only from the template, and only tagged as this deployment's, with our tag keys only.
    add(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:RunInstances'],
        resources: [instances],
        conditions: {
          StringEquals: {
            'ec2:LaunchTemplate': templateArn,
            [`aws:RequestTag/${HOST_TAGS.deployment}`]: this.deployment,
          },
          'ForAllValues:StringEquals': { 'aws:TagKeys': Object.values(HOST_TAGS) },
        },
      }),
    );
    acknowledgeGrantedWildcard(grantee, instances, ownInstances);
    // The other resources a launch touches, again only through the template: the template, its
    // subnet and security group by name; the volume and interface it makes, and the image
    // (Ubuntu's current one, resolved from SSM at launch), by type.
    const made = [arn('volume'), arn('network-interface'), arn('image', '*', '')];
    add(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:RunInstances'],
        resources: [
          ...made,
          templateArn,
          arn('subnet', this.launchSubnet.subnetId),
          arn('security-group', this.securityGroup.securityGroupId),
        ],
        conditions: fromTemplate,
      }),
    );
    for (const resource of made) {
      acknowledgeGrantedWildcard(
        grantee,
        resource,
        'RunInstances creates the volume and network interface (no name before they exist) and takes ' +
          "the image the template resolves from Canonical's SSM parameter; allowed only through this template.",
      );
    }
    // Tags only as part of the launch: no retagging someone else's instance into the deployment.
    add(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:CreateTags'],
        resources: [instances],
        conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
      }),
    );
    add(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
    );
  }
}
