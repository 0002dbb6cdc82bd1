import type { StackProps } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import pkg from '../../package.json' with { type: 'json' };
import { DEFAULT_INSTANCE_TYPES } from '../../shared/config/env-names.ts';
import { GameHosts } from '../constructs/game-hosts.ts';
import { HostSync } from '../constructs/host-sync.ts';

export interface HostsStackProps extends StackProps {
  readonly table: ITable;
  /** @default 'convoy' */
  readonly deployment?: string;
  /** @default DEFAULT_INSTANCE_TYPES */
  readonly instanceTypes?: readonly string[];
}

/**
 * Game hosts: their network and launch template, and the EC2 state sync. Stateless as far as
 * CloudFormation knows (the instances are launched by the API, not by this stack).
 */
export class HostsStack extends Stack {
  readonly gameHosts: GameHosts;
  readonly sync: HostSync;

  constructor(scope: Construct, id: string, props: HostsStackProps) {
    super(scope, id, props);
    const instanceTypes = props.instanceTypes ?? DEFAULT_INSTANCE_TYPES;
    this.gameHosts = new GameHosts(this, 'GameHosts', {
      deployment: props.deployment ?? 'convoy',
      defaultInstanceType: instanceTypes[0] ?? DEFAULT_INSTANCE_TYPES[0],
    });
    this.sync = new HostSync(this, 'Sync', {
      table: props.table,
      hosts: this.gameHosts,
      instanceTypes,
      version: pkg.version,
    });
  }
}
