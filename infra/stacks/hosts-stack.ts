import type { StackProps } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEFAULT_INSTANCE_TYPES } from '../../shared/config/env-names.ts';
import { GameHosts } from '../constructs/game-hosts.ts';

export interface HostsStackProps extends StackProps {
  /** @default 'convoy' */
  readonly deployment?: string;
  /** @default DEFAULT_INSTANCE_TYPES */
  readonly instanceTypes?: readonly string[];
}

/**
 * Game hosts: their network, security group, launch template, role and agent bundle. Stateless
 * as far as CloudFormation knows (the instances are launched by the API's functions, which live
 * in the API stack with everything else that runs code).
 */
export class HostsStack extends Stack {
  readonly gameHosts: GameHosts;

  constructor(scope: Construct, id: string, props: HostsStackProps = {}) {
    super(scope, id, props);
    const instanceTypes = props.instanceTypes ?? DEFAULT_INSTANCE_TYPES;
    this.gameHosts = new GameHosts(this, 'GameHosts', {
      deployment: props.deployment ?? 'convoy',
      defaultInstanceType: instanceTypes[0] ?? DEFAULT_INSTANCE_TYPES[0],
    });
  }
}
